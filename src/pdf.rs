//! The PDF presentation of a confirmation or notification (TR 01201-3.4
//! §3.4.1: "eine PDF-Datei mit einer inhaltsgleichen Darstellung der in den
//! XML-Strukturen enthaltenen Informationen"), as an archival PDF/A-3b
//! document (ISO 19005-3).
//!
//! Needs the cargo feature `provider`, a default feature.
//!
//! Written with krilla (pure Rust; D59): the text is set in DejaVu Sans Mono
//! and DejaVu Sans Mono Bold, shipped in `assets/fonts/` with their licence
//! and embedded as subsets, so every Latin, Greek and Cyrillic name prints
//! as written. A character the font lacks is printed visibly as `[U+XXXX]`
//! (never `?`, D60); control characters become spaces. The machine-readable
//! document (the `Acknowledge-Message` or `Notification-Message` XML) is
//! embedded byte for byte as an associated file (`/AF`, `AFRelationship
//! /Source`, `application/xml`), so a PDF kept alone still carries the
//! signed data. krilla checks the PDF/A-3b rules while writing (output
//! intent with sRGB profile, XMP with `pdfaid:part=3`/`conformance=B`, no
//! encryption, no transparency) and refuses a document that breaks one.
//!
//! The font's fixed advance makes line breaking exact: lines break at
//! spaces, and words longer than a line (hashes, base64, long addresses) are
//! split, so nothing runs off the page. Pages (A4) are added as needed and
//! numbered. The same input and time give the same bytes.
//!
//! ```
//! use demail::fields::DateTime;
//! use demail::pdf::{PdfAttachment, Block, render};
//!
//! let created = DateTime::parse_rfc5322("Tue, 24 Nov 2026 10:00:00 +0100").unwrap();
//! let xml = b"<Acknowledge-Message xmlns=\"urn:de-mail\"/>";
//! let pdf = render(
//!     "Versandbestätigung",
//!     &[
//!         Block::Paragraph("Hiermit wird bestätigt, dass die Nachricht versandt wurde.".into()),
//!         Block::Field { label: "Betreff".into(), value: "Łukasz, Şahin, Ψυχή, Жанна".into() },
//!     ],
//!     &created,
//!     &PdfAttachment { file_name: "Acknowledge-Message.xml", xml },
//! )?;
//! assert!(pdf.starts_with(b"%PDF-"));
//! # Ok::<(), demail::pdf::PdfError>(())
//! ```

use std::sync::LazyLock;

use krilla::Document;
use krilla::configure::{Archival, ConfigurationBuilder, PdfVersion};
use krilla::embed::{AssociationKind, EmbeddedFile, MimeType};
use krilla::error::KrillaError;
use krilla::geom::Point;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::{SerializeSettings, metadata};
use skrifa::charmap::Charmap;
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, MetadataProvider};

use crate::fields::DateTime;

/// A piece of the document.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Block {
    /// A paragraph of running text, wrapped at spaces. Line ends in the text
    /// start new lines.
    Paragraph(String),
    /// A labelled value (`Betreff: ...`); the value wraps under itself.
    Field {
        /// The label, without the colon.
        label: String,
        /// The value.
        value: String,
    },
    /// A heading in bold.
    Heading(String),
}

/// The machine-readable document that travels inside the PDF as its
/// associated file (ISO 19005-3 §6.8, `AFRelationship /Source`).
#[derive(Debug, Clone, Copy)]
pub struct PdfAttachment<'a> {
    /// The file name shown by PDF readers, e.g. `Acknowledge-Message.xml`.
    pub file_name: &'a str,
    /// The XML, exactly the bytes of the message's `application/xml` part.
    pub xml: &'a [u8],
}

/// Why no PDF could be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PdfError {
    /// The PDF writer refused the document, e.g. because it would break a
    /// PDF/A-3b rule (ISO 19005-3) or a limit of PDF 1.7 (Annex C).
    #[error("the PDF/A-3b document could not be written (ISO 19005-3): {0}")]
    Writer(#[source] KrillaError),
    /// A bundled part (a font in `assets/fonts/`, the PDF/A-3b configuration)
    /// could not be set up: a build defect, not an input error.
    #[error("the PDF writer cannot be set up: {part}")]
    Setup {
        /// What failed, e.g. the font's file name.
        part: &'static str,
    },
}

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
const FONT_SIZE: f32 = 9.5;
const LEADING: f32 = 12.5;
/// Lines of text on a page; the page number goes below them.
const LINES_PER_PAGE: usize = ((PAGE_HEIGHT - 2.0 * MARGIN) / LEADING) as usize;
/// Width of the label column of a [`Block::Field`].
const LABEL_COLUMNS: usize = 18;
/// Longest document title put into the metadata (the full title is on the
/// page); far below PDF's 32,767-byte string limit (ISO 32000-1 Annex C).
const MAX_TITLE_CHARS: usize = 2000;

const REGULAR_NAME: &str = "DejaVuSansMono.ttf";
const BOLD_NAME: &str = "DejaVuSansMono-Bold.ttf";
const REGULAR_DATA: &[u8] = include_bytes!("../assets/fonts/DejaVuSansMono.ttf");
const BOLD_DATA: &[u8] = include_bytes!("../assets/fonts/DejaVuSansMono-Bold.ttf");

/// One of the two bundled faces: krilla's handle for embedding and the
/// parsed tables for glyph lookup.
struct Face {
    krilla: Font,
    charmap: Charmap<'static>,
    metrics: GlyphMetrics<'static>,
    units_per_em: f32,
}

impl Face {
    fn load(data: &'static [u8]) -> Option<Face> {
        let krilla = Font::new(data.into(), 0)?;
        let font = FontRef::new(data).ok()?;
        let units_per_em = krilla.units_per_em();
        Some(Face {
            krilla,
            charmap: font.charmap(),
            metrics: font.glyph_metrics(Size::unscaled(), LocationRef::default()),
            units_per_em,
        })
    }

    fn glyph(&self, c: char) -> Option<GlyphId> {
        let id = self.charmap.map(c)?;
        (id.to_u32() != 0).then(|| GlyphId::new(id.to_u32()))
    }

    /// The glyph's advance in em.
    fn advance(&self, glyph: GlyphId) -> f32 {
        self.metrics
            .advance_width(skrifa::GlyphId::new(glyph.to_u32()))
            .unwrap_or(0.0)
            / self.units_per_em
    }
}

struct Faces {
    regular: Face,
    bold: Face,
    /// The advance of one column (the monospaced advance), in em.
    column: f32,
}

static FACES: LazyLock<Result<Faces, &'static str>> = LazyLock::new(|| {
    let regular = Face::load(REGULAR_DATA).ok_or(REGULAR_NAME)?;
    let bold = Face::load(BOLD_DATA).ok_or(BOLD_NAME)?;
    let column = regular
        .glyph('M')
        .map(|g| regular.advance(g))
        .filter(|a| *a > 0.0)
        .ok_or(REGULAR_NAME)?;
    Ok(Faces {
        regular,
        bold,
        column,
    })
});

fn faces() -> Result<&'static Faces, PdfError> {
    FACES.as_ref().map_err(|e| PdfError::Setup { part: e })
}

impl Faces {
    /// Whether both faces draw the character (D60: otherwise it is shown
    /// as `[U+XXXX]`). The code points PDF/A forbids in a ToUnicode map
    /// (U+0000, U+FEFF, U+FFFE) and private-use ones are never drawn.
    fn covers(&self, c: char) -> bool {
        let forbidden = matches!(c, '\u{0}' | '\u{FEFF}' | '\u{FFFE}')
            || matches!(c as u32, 0xE000..=0xF8FF | 0xF0000..=0x10FFFF);
        !forbidden && self.regular.glyph(c).is_some() && self.bold.glyph(c).is_some()
    }

    /// Columns the character takes: 0 for a combining mark (drawn over the
    /// letter before it), 1 otherwise.
    fn columns(&self, c: char) -> usize {
        usize::from(!is_combining(c))
    }

    /// The text as it is printed: control characters as spaces, characters
    /// the font lacks as `[U+XXXX]` (D60).
    fn printable(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            if c.is_control() {
                out.push(' ');
            } else if self.covers(c) {
                out.push(c);
            } else {
                out.push_str(&format!("[U+{:04X}]", c as u32));
            }
        }
        out
    }
}

/// Whether the character is a combining mark of the blocks the bundled font
/// covers (Combining Diacritical Marks and their supplements, the Cyrillic
/// combining marks). The monospaced font gives such marks a full advance
/// with the outline inside it, so they are drawn in the cell of the letter
/// before them.
fn is_combining(c: char) -> bool {
    matches!(
        c as u32,
        0x0300..=0x036F | 0x0483..=0x0489 | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F
    )
}

/// One laid-out line: bold or not, and its printable text.
type Line = (bool, String);

/// Renders a one-column A4 document, PDF/A-3b: a bold title, then the
/// blocks, with the XML attached as the document's source. `created` is the
/// creation date in the metadata (the time of the confirmation or
/// notification), which makes the output depend on the input alone.
///
/// # Errors
/// [`PdfError::Writer`] when the writer refuses the document (a PDF/A rule
/// or a PDF limit), [`PdfError::Setup`] when a bundled font is unreadable.
pub fn render(
    title: &str,
    blocks: &[Block],
    created: &DateTime,
    attachment: &PdfAttachment<'_>,
) -> Result<Vec<u8>, PdfError> {
    let faces = faces()?;
    let columns =
        (((PAGE_WIDTH - 2.0 * MARGIN) / (faces.column * FONT_SIZE)) as usize).max(LABEL_COLUMNS + 8);
    let lines = layout(faces, title, blocks, columns);
    write_pdf(faces, title, &lines, created, attachment)
}

fn layout(faces: &Faces, title: &str, blocks: &[Block], columns: usize) -> Vec<Line> {
    let wrap = |text: &str, width: usize| wrap(faces, &faces.printable(text), width);
    let mut lines: Vec<Line> = Vec::new();
    lines.extend(wrap(title, columns).into_iter().map(|l| (true, l)));
    lines.push((false, String::new()));
    for block in blocks {
        match block {
            Block::Heading(text) => {
                lines.push((false, String::new()));
                lines.extend(wrap(text, columns).into_iter().map(|l| (true, l)));
            }
            Block::Paragraph(text) => {
                for paragraph_line in text.split('\n') {
                    let wrapped = wrap(paragraph_line, columns);
                    if wrapped.is_empty() {
                        lines.push((false, String::new()));
                    }
                    lines.extend(wrapped.into_iter().map(|l| (false, l)));
                }
            }
            Block::Field { label, value } => {
                let label = format!("{}:", faces.printable(label));
                let label_width = width(faces, &label);
                let inline = label_width < LABEL_COLUMNS;
                if !inline {
                    lines.extend(wrap(&label, columns).into_iter().map(|l| (false, l)));
                }
                let pad = " ".repeat(LABEL_COLUMNS);
                let mut wrapped = wrap(value, columns - LABEL_COLUMNS).into_iter();
                if inline {
                    let first = wrapped.next().unwrap_or_default();
                    let gap = " ".repeat(LABEL_COLUMNS - label_width);
                    lines.push((false, format!("{label}{gap}{first}")));
                }
                lines.extend(wrapped.map(|part| (false, format!("{pad}{part}"))));
            }
        }
    }
    lines
}

/// Columns a printable text takes.
fn width(faces: &Faces, text: &str) -> usize {
    text.chars().map(|c| faces.columns(c)).sum()
}

/// Breaks printable text into lines of at most `width` columns: at spaces
/// where possible, inside a word that is longer than a line otherwise.
fn wrap(faces: &Faces, text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_width = 0;
    for word in text.split([' ', '\t']).filter(|w| !w.is_empty()) {
        let mut word = word;
        let mut word_width = self::width(faces, word);
        loop {
            let needed = if line_width == 0 {
                word_width
            } else {
                line_width + 1 + word_width
            };
            if needed <= width {
                if line_width > 0 {
                    line.push(' ');
                    line_width += 1;
                }
                line.push_str(word);
                line_width += word_width;
                break;
            }
            if line_width > 0 {
                lines.push(std::mem::take(&mut line));
                line_width = 0;
                continue;
            }
            // A word longer than a line: split it after `width` columns
            // (combining marks stay with their base letter).
            let (split, used) = split_at_columns(faces, word, width);
            lines.push(word[..split].to_owned());
            word = &word[split..];
            word_width -= used;
        }
    }
    if line_width > 0 {
        lines.push(line);
    }
    lines
}

/// The byte index after the first `width` columns of `word` (at least one
/// character, so the split always makes progress), and the columns before
/// it. Only the head of the word is read, so splitting a long word is
/// linear in its length.
fn split_at_columns(faces: &Faces, word: &str, width: usize) -> (usize, usize) {
    let mut used = 0;
    for (index, c) in word.char_indices() {
        let columns = faces.columns(c);
        if used + columns > width && index > 0 {
            return (index, used);
        }
        used += columns;
    }
    (word.len(), used)
}

/// PDF/A-3b (ISO 19005-3, conformance level B) on PDF 1.7.
fn settings() -> Result<SerializeSettings, PdfError> {
    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A3_B)
        .with_version(PdfVersion::Pdf17)
        .finish()
        .map_err(|_| PdfError::Setup {
            part: "PDF/A-3b configuration",
        })?;
    Ok(SerializeSettings {
        configuration,
        ..SerializeSettings::default()
    })
}

fn write_pdf(
    faces: &Faces,
    title: &str,
    lines: &[Line],
    created: &DateTime,
    attachment: &PdfAttachment<'_>,
) -> Result<Vec<u8>, PdfError> {
    let pages: Vec<&[Line]> = if lines.is_empty() {
        vec![&[][..]]
    } else {
        lines.chunks(LINES_PER_PAGE).collect()
    };
    let mut document = Document::new_with(settings()?);
    document.set_metadata(metadata(title, created, attachment));
    let embedded = document.embed_file(EmbeddedFile {
        path: attachment.file_name.to_owned(),
        mime_type: MimeType::new("application/xml"),
        description: Some(
            "Maschinenlesbares Dokument (XML), identisch mit dem XML-Teil der Nachricht".into(),
        ),
        association_kind: AssociationKind::Source,
        data: attachment.xml.to_vec().into(),
        modification_date: Some(pdf_date(created)),
        compress: Some(true),
        location: None,
    });
    if embedded.is_none() {
        // krilla refuses only a second file of the same name.
        return Err(PdfError::Setup {
            part: "XML attachment",
        });
    }
    let count = pages.len();
    for (index, page_lines) in pages.iter().enumerate() {
        let settings =
            PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or(PdfError::Setup { part: "page size" })?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        let mut baseline = MARGIN + FONT_SIZE;
        for (bold, text) in page_lines.iter() {
            let face = if *bold { &faces.bold } else { &faces.regular };
            draw_line(&mut surface, face, MARGIN, baseline, text);
            baseline += LEADING;
        }
        let number = format!("Seite {} von {count}", index + 1);
        let x = PAGE_WIDTH - MARGIN - width(faces, &number) as f32 * faces.column * FONT_SIZE;
        draw_line(
            &mut surface,
            &faces.regular,
            x,
            PAGE_HEIGHT - MARGIN / 2.0,
            &number,
        );
        surface.finish();
        page.finish();
    }
    document.finish().map_err(PdfError::Writer)
}

/// Draws one line of printable text (every character covered, see
/// [`Faces::printable`]) with its baseline at `y` (from the top).
fn draw_line(surface: &mut krilla::surface::Surface<'_>, face: &Face, x: f32, y: f32, text: &str) {
    // A letter followed by combining marks and those marks share one cell:
    // all but the last of them advance by nothing, so every glyph is drawn
    // at the cell's start and the text positions never run backwards
    // (which text extraction would read as a line break).
    let mut chars = text.char_indices().peekable();
    let mut glyphs: Vec<KrillaGlyph> = Vec::with_capacity(text.len());
    while let Some((start, c)) = chars.next() {
        let Some(glyph) = face.glyph(c) else { continue };
        let range = start..start + c.len_utf8();
        let mark_follows = chars.peek().is_some_and(|(_, next)| is_combining(*next));
        let advance = if mark_follows { 0.0 } else { face.advance(glyph) };
        glyphs.push(KrillaGlyph::new(glyph, advance, 0.0, 0.0, 0.0, range, None));
    }
    if glyphs.is_empty() {
        return;
    }
    surface.draw_glyphs(
        Point::from_xy(x, y),
        &glyphs,
        face.krilla.clone(),
        text,
        FONT_SIZE,
        false,
    );
}

/// The document metadata (Info dictionary and XMP, ISO 19005-3 §6.6):
/// title, creation date, producer, language, and a document ID derived from
/// the attached XML, so the same document gets the same ID.
fn metadata(title: &str, created: &DateTime, attachment: &PdfAttachment<'_>) -> Metadata {
    let title: String = title.chars().take(MAX_TITLE_CHARS).collect();
    let digest = crate::crypto::HashAlgorithm::Sha256.digest(attachment.xml);
    let id: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    Metadata::new()
        .title(title)
        .producer(format!("demail {}", env!("CARGO_PKG_VERSION")))
        .language("de".into())
        .creation_date(pdf_date(created))
        .document_id(id)
}

fn pdf_date(time: &DateTime) -> metadata::DateTime {
    let offset_hours = i8::try_from(time.offset_minutes() / 60).unwrap_or(0);
    let offset_minutes = u8::try_from((time.offset_minutes() % 60).unsigned_abs()).unwrap_or(0);
    metadata::DateTime::new(time.year())
        .month(time.month())
        .day(time.day())
        .hour(time.hour())
        .minute(time.minute())
        .second(time.second().min(59))
        .utc_offset_hour(offset_hours)
        .utc_offset_minute(offset_minutes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faces() -> &'static Faces {
        super::faces().expect("bundled fonts")
    }

    #[test]
    fn long_words_are_split_and_lines_fit() {
        let hash = "x".repeat(200);
        let lines = wrap(faces(), &format!("Prüfsumme {hash} Ende"), 40);
        assert!(lines.iter().all(|l| l.chars().count() <= 40), "{lines:?}");
        assert_eq!(lines.concat().replace(' ', ""), format!("Prüfsumme{hash}Ende"));
    }

    #[test]
    fn latin_greek_and_cyrillic_names_are_printed_as_written() {
        // TR 01201-3.4 §3.4.1 "inhaltsgleich": no substitution for these.
        let names = "Łukasz Şahin Đorđević Ewa Żółć Γεώργιος Παπαδόπουλος Дмитрий Иванов äöüß€";
        assert_eq!(faces().printable(names), names);
    }

    #[test]
    fn characters_the_font_lacks_are_shown_as_code_points_not_question_marks() {
        // D60: CJK, a private-use character and U+FEFF are not drawn.
        assert_eq!(
            faces().printable("李\u{E000}\u{FEFF}a"),
            "[U+674E][U+E000][U+FEFF]a"
        );
        assert_eq!(faces().printable("\u{1}\t"), "  ");
    }

    #[test]
    fn a_word_of_a_million_characters_is_split_in_linear_time() {
        // Bounded time on hostile input: a 1,000,000-character word (an
        // integrity value or address without spaces) is split into lines
        // without re-measuring the rest of the word for every line.
        let word = "Ж".repeat(1_000_000);
        let start = std::time::Instant::now();
        let lines = wrap(faces(), &word, 66);
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
        assert_eq!(lines.len(), 1_000_000usize.div_ceil(66));
        assert!(lines.iter().all(|l| l.chars().count() <= 66));
        assert_eq!(lines.concat(), word);
    }

    #[test]
    fn combining_marks_take_no_column() {
        assert_eq!(width(faces(), "e\u{301}"), 1);
        let lines = wrap(faces(), &"e\u{301}".repeat(30), 10);
        assert!(lines.iter().all(|l| width(faces(), l) <= 10), "{lines:?}");
        assert!(lines.iter().all(|l| l.starts_with('e')), "{lines:?}");
    }

    fn attachment() -> PdfAttachment<'static> {
        PdfAttachment {
            file_name: "a.xml",
            xml: b"<a/>",
        }
    }

    fn created() -> DateTime {
        DateTime::parse_rfc5322("Tue, 24 Nov 2026 10:00:00 +0100").expect("date")
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        /// Never panic on input: any text (controls, combining marks first
        /// on a line, private use, right-to-left, U+FEFF) in any block
        /// gives a PDF/A document, not an error.
        #[test]
        fn any_text_renders_as_pdfa(
            title in "\\PC{0,80}",
            label in "(\\PC|\u{301}|\u{FEFF}){0,30}",
            value in "(\\PC|\u{0}|\u{1}|\u{301}|\u{E000}|\u{5D0}|\u{1F600}| ){0,300}",
        ) {
            let blocks = [
                Block::Heading(value.clone()),
                Block::Paragraph(format!("{value}\n\n{title}")),
                Block::Field { label, value },
            ];
            let pdf = render(&title, &blocks, &created(), &attachment());
            proptest::prop_assert!(pdf.is_ok(), "{:?}", pdf.err());
        }
    }

    #[test]
    fn a_huge_subject_is_bounded_in_pages_and_metadata() {
        // A 200,000-character subject: every character is on a page; the
        // PDF is written at all only because the metadata title is cut to
        // MAX_TITLE_CHARS (krilla refuses strings over 32,767 bytes,
        // ISO 32000-1 Annex C).
        let subject = "Straßenbau Łukasz ".repeat(11_112);
        let lines = layout(faces(), &subject, &[], 84);
        let shown: usize = lines
            .iter()
            .map(|(_, l)| l.replace(' ', "").chars().count())
            .sum();
        assert_eq!(shown, subject.replace(' ', "").chars().count());
        let pdf = render(&subject, &[], &created(), &attachment()).expect("pdf");
        assert!(pdf.len() < 4_000_000, "{} bytes", pdf.len());
    }

    #[test]
    fn many_lines_make_several_numbered_pages() {
        let blocks: Vec<Block> = (0..200).map(|i| Block::Paragraph(format!("Zeile {i}"))).collect();
        let columns = 80;
        let lines = layout(faces(), "Titel", &blocks, columns);
        assert_eq!(lines.len(), 202);
        let created = DateTime::parse_rfc5322("Tue, 24 Nov 2026 10:00:00 +0100").expect("date");
        let attachment = PdfAttachment {
            file_name: "a.xml",
            xml: b"<a/>",
        };
        let pdf = render("Titel", &blocks, &created, &attachment).expect("pdf");
        let text = String::from_utf8_lossy(&pdf);
        assert!(
            text.contains(&format!("/Count {}", 202usize.div_ceil(LINES_PER_PAGE))),
            "page count"
        );
    }
}
