package dev.bookwell.learning;

import com.lowagie.text.Document;
import com.lowagie.text.Element;
import com.lowagie.text.Font;
import com.lowagie.text.FontFactory;
import com.lowagie.text.PageSize;
import com.lowagie.text.Paragraph;
import com.lowagie.text.pdf.PdfWriter;
import java.io.ByteArrayOutputStream;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * A certificate as a PDF (OpenPDF): the organization, the holder, the course, the dates, the number and where to
 * verify it. Blocking work: callers run it on a worker thread, never on an event loop.
 */
final class CertificatePdf {

  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("d MMMM yyyy", Locale.ENGLISH);

  private CertificatePdf() {
  }

  record Facts(String number, String holder, String course, String organization, OffsetDateTime issuedAt,
               OffsetDateTime expiresAt, String verifyUrl) {
  }

  static byte[] render(Facts facts) {
    var out = new ByteArrayOutputStream();
    var document = new Document(PageSize.A4.rotate(), 60, 60, 60, 60);
    PdfWriter.getInstance(document, out);
    document.addTitle("Certificate " + facts.number());
    document.open();
    line(document, facts.organization(), FontFactory.getFont(FontFactory.HELVETICA, 16));
    line(document, "Certificate of completion", FontFactory.getFont(FontFactory.HELVETICA_BOLD, 32));
    line(document, "This certifies that", FontFactory.getFont(FontFactory.HELVETICA, 14));
    line(document, facts.holder(), FontFactory.getFont(FontFactory.HELVETICA_BOLD, 26));
    line(document, "completed the course", FontFactory.getFont(FontFactory.HELVETICA, 14));
    line(document, facts.course(), FontFactory.getFont(FontFactory.HELVETICA_BOLD, 20));
    var small = FontFactory.getFont(FontFactory.HELVETICA, 11);
    line(document, "Issued " + DAY.format(facts.issuedAt()) + (facts.expiresAt() == null ? ""
        : ", valid until " + DAY.format(facts.expiresAt())), small);
    line(document, "Certificate number " + facts.number(), small);
    line(document, "Verify at " + facts.verifyUrl(), small);
    document.close();
    return out.toByteArray();
  }

  private static void line(Document document, String text, Font font) {
    var paragraph = new Paragraph(text, font);
    paragraph.setAlignment(Element.ALIGN_CENTER);
    paragraph.setSpacingAfter(14);
    document.add(paragraph);
  }
}
