package dev.bookwell.learning;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bookwell.platform.db.Db;
import dev.bookwell.support.Plans;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The course search on 100,000 published courses (and 10,000 drafts) in two languages, titled from a vocabulary of
 * 2,000 subjects: the real statement's plan
 * uses the full-text GIN index for a text query and the sort indexes for newest and price; no sequential scan.
 */
class CourseSearchPlanTest {

  private static final Logger LOG = LoggerFactory.getLogger(CourseSearchPlanTest.class);
  static Plans.Loaded loaded;
  static Db db;

  @BeforeAll
  static void load() {
    loaded = Plans.load(List.of(
        "insert into course (organization_id, slug, title, summary, description, language, currency, kind, status,"
            + " published_at, price_minor, created_by)"
            + " select md5((g % 500)::text)::uuid, 'course-' || g,"
            + " (array['Anatomy', 'Cardiology', 'Paediatric first aid', 'Nursing', 'Pharmacology', 'Kinderheilkunde',"
            + " 'Erste Hilfe', 'Wundversorgung'])[1 + g % 8] || ' topic' || (g * 7 % 2000),"
            + " 'A course about ' || (array['hearts', 'bones', 'burns', 'wounds', 'medicines'])[1 + g % 5],"
            + " repeat('Lorem ipsum dolor sit amet. ', 10), (array['en', 'de'])[1 + g % 2], 'EUR', 'self_paced',"
            + " case when g % 11 = 0 then 'draft' else 'published' end::course_status,"
            + " now() - g * interval '1 minute', (g % 300) * 100, gen_random_uuid()"
            + " from generate_series(1, 110000) g",
        "analyze course"));
    db = loaded.db();
  }

  @AfterAll
  static void close() {
    loaded.close();
  }

  @Test
  void aTextQueryUsesTheFullTextIndex() {
    // a realistic query names its subject: a few dozen of the 100,000 courses match
    String plan = explain(new JsonObject().put("q", "Wundversorgung topic1401"));
    assertTrue(plan.contains("course_search"), plan);
    assertNoSeqScan(plan);
  }

  @Test
  void newestAndPriceUseTheirSortIndexes() {
    String newest = explain(new JsonObject());
    assertTrue(newest.contains("course_published_newest"), newest);
    assertNoSeqScan(newest);
    String cheapest = explain(new JsonObject().put("sort", "price").put("minPrice", 1000));
    assertTrue(cheapest.contains("course_published_price"), cheapest);
    assertNoSeqScan(cheapest);
  }

  private static void assertNoSeqScan(String plan) {
    assertFalse(plan.contains("Seq Scan on course"), plan);
  }

  /** EXPLAIN ANALYZE of the real search statement, page size 20. */
  private static String explain(JsonObject query) {
    String plan = Plans.explain(db, CourseSearch.query(query, 20));
    LOG.info("course search plan:\n{}", plan);
    return plan;
  }
}
