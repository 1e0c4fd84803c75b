package dev.bookwell.learning;

import dev.bookwell.db.enums.QuestionKind;
import dev.bookwell.db.tables.records.QuizQuestionRecord;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.text.Normalizer;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;

/**
 * Scores answers on the server. Choices score when exactly the correct options are chosen; true/false when it
 * matches; a short answer when, normalized (case, accents, spacing and surrounding punctuation), it is one of the
 * accepted answers. Essays wait for a grader.
 */
final class Scoring {

  private Scoring() {
  }

  /** Points per question ({@code null} for an essay, which a grader scores), and whether any waits for review. */
  record Result(JsonObject points, int score, boolean pendingReview) {
  }

  static Result score(List<QuizQuestionRecord> questions, JsonObject answers) {
    var points = new JsonObject();
    int score = 0;
    boolean pending = false;
    for (var question : questions) {
      String id = question.getId().toString();
      if (question.getKind() == QuestionKind.essay) {
        points.putNull(id);
        pending = true;
        continue;
      }
      int got = correct(question, answers.getValue(id)) ? question.getPoints() : 0;
      points.put(id, got);
      score += got;
    }
    return new Result(points, score, pending);
  }

  private static boolean correct(QuizQuestionRecord question, Object answer) {
    JsonObject key = new JsonObject(question.getAnswer().data());
    return switch (question.getKind()) {
      case single_choice -> answer instanceof String chosen && key.getJsonArray("correct").size() == 1
          && key.getJsonArray("correct").getString(0).equals(chosen);
      case multiple_choice -> answer instanceof JsonArray chosen
          && new HashSet<>(chosen.getList()).equals(new HashSet<>(key.getJsonArray("correct").getList()))
          && chosen.size() == new HashSet<>(chosen.getList()).size();
      case true_false -> answer instanceof Boolean value && value.equals(key.getBoolean("value"));
      case short_answer -> answer instanceof String text && key.getJsonArray("accepted").stream()
          .anyMatch(accepted -> normal((String) accepted).equals(normal(text)));
      case essay -> false;
    };
  }

  static String normal(String text) {
    String plain = Normalizer.normalize(text, Normalizer.Form.NFD).replaceAll("\\p{M}+", "");
    return plain.toLowerCase(Locale.ROOT).replaceAll("[\\p{Punct}\\s]+", " ").strip();
  }
}
