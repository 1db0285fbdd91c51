//! The PDF presentation of a confirmation or notification (TR 01201-3.4
//! §3.4.1: "eine PDF-Datei mit einer inhaltsgleichen Darstellung der in den
//! XML-Strukturen enthaltenen Informationen").
//!
//! Written with pdf-writer (pure Rust, no external program). The text is set
//! in the standard fonts Courier and Courier-Bold with `WinAnsiEncoding`,
//! which covers the German letters (ä ö ü Ä Ö Ü ß) and every viewer has;
//! nothing is embedded. Characters outside Windows-1252 are shown as `?`
//! (D38); the XML and the text part carry them exactly. Courier's fixed advance (600/1000 em) makes line
//! breaking exact: lines break at spaces, and words longer than a line (hashes,
//! base64, long addresses) are split, so nothing runs off the page. Pages are
//! added as needed (A4).
//!
//! ```
//! use demail::pdf::{Block, render};
//!
//! let pdf = render("Versandbestätigung", &[
//!     Block::Paragraph("Hiermit wird bestätigt, dass die Nachricht versandt wurde.".into()),
//!     Block::Field { label: "Betreff".into(), value: "Straßenbau".into() },
//! ]);
//! assert!(pdf.starts_with(b"%PDF-"));
//! ```

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

/// A piece of the document.
#[derive(Debug, Clone, PartialEq, Eq)]
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

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
const FONT_SIZE: f32 = 9.5;
const LEADING: f32 = 12.5;
/// Courier's advance is 600/1000 em for every glyph.
const ADVANCE: f32 = 0.6 * FONT_SIZE;
/// Characters per line.
const COLUMNS: usize = ((PAGE_WIDTH - 2.0 * MARGIN) / ADVANCE) as usize;
const LINES_PER_PAGE: usize = ((PAGE_HEIGHT - 2.0 * MARGIN) / LEADING) as usize;
/// Width of the label column of a [`Block::Field`].
const LABEL_COLUMNS: usize = 18;

/// One laid-out line: bold or not, and its text.
type Line = (bool, String);

/// Renders a one-column document: a bold title, then the blocks.
pub fn render(title: &str, blocks: &[Block]) -> Vec<u8> {
    let lines = layout(title, blocks);
    write_pdf(title, &lines)
}

fn layout(title: &str, blocks: &[Block]) -> Vec<Line> {
    let mut lines: Vec<Line> = Vec::new();
    for line in wrap(title, COLUMNS) {
        lines.push((true, line));
    }
    lines.push((false, String::new()));
    for block in blocks {
        match block {
            Block::Heading(text) => {
                lines.push((false, String::new()));
                lines.extend(wrap(text, COLUMNS).into_iter().map(|l| (true, l)));
            }
            Block::Paragraph(text) => {
                for paragraph_line in text.split('\n') {
                    let wrapped = wrap(paragraph_line, COLUMNS);
                    if wrapped.is_empty() {
                        lines.push((false, String::new()));
                    }
                    lines.extend(wrapped.into_iter().map(|l| (false, l)));
                }
            }
            Block::Field { label, value } => {
                let label = format!("{label}:");
                let inline = label.chars().count() < LABEL_COLUMNS;
                if !inline {
                    lines.push((false, label.clone()));
                }
                let pad = " ".repeat(LABEL_COLUMNS);
                let mut wrapped = wrap(value, COLUMNS - LABEL_COLUMNS).into_iter();
                if inline {
                    let first = wrapped.next().unwrap_or_default();
                    lines.push((false, format!("{label:<LABEL_COLUMNS$}{first}")));
                }
                lines.extend(wrapped.map(|part| (false, format!("{pad}{part}"))));
            }
        }
    }
    lines
}

/// Breaks text into lines of at most `width` characters: at spaces where
/// possible, inside a word that is longer than a line otherwise.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_len = 0;
    for word in text.split([' ', '\t']).filter(|w| !w.is_empty()) {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let needed = if line_len == 0 {
                word.len()
            } else {
                line_len + 1 + word.len()
            };
            if needed <= width {
                if line_len > 0 {
                    line.push(' ');
                    line_len += 1;
                }
                line.extend(word.iter());
                line_len += word.len();
                break;
            }
            if line_len > 0 {
                lines.push(std::mem::take(&mut line));
                line_len = 0;
                continue;
            }
            // A word longer than a line: split it.
            let rest = word.split_off(width);
            lines.push(word.iter().collect());
            word = rest;
        }
    }
    if line_len > 0 {
        lines.push(line);
    }
    lines
}

/// Encodes text in WinAnsiEncoding (Windows-1252, PDF 1.7 Annex D.2); the
/// characters it lacks become `?` (D38), control characters spaces.
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            c if c.is_control() => b' ',
            c if (c as u32) < 0x80 => c as u8,
            c if (0xA0..=0xFF).contains(&(c as u32)) => c as u8,
            c => cp1252_extra(c).unwrap_or(b'?'),
        })
        .collect()
}

/// The code of a character in Windows-1252's range 0x80–0x9F.
fn cp1252_extra(c: char) -> Option<u8> {
    Some(match c {
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        _ => return None,
    })
}

fn write_pdf(title: &str, lines: &[Line]) -> Vec<u8> {
    let pages: Vec<&[Line]> = if lines.is_empty() {
        vec![&[][..]]
    } else {
        lines.chunks(LINES_PER_PAGE).collect()
    };
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let first_page = 6;
    let page_ref = |i: usize| Ref::new(first_page + 2 * i32::try_from(i).unwrap_or(0));
    let content_ref = |i: usize| Ref::new(first_page + 1 + 2 * i32::try_from(i).unwrap_or(0));

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids((0..pages.len()).map(page_ref))
        .count(i32::try_from(pages.len()).unwrap_or(i32::MAX));
    for (id, font) in [(regular, &b"Courier"[..]), (bold, &b"Courier-Bold"[..])] {
        pdf.type1_font(id)
            .base_font(Name(font))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    pdf.document_info(info)
        .title(TextStr(title))
        .producer(TextStr("demail"));
    for (i, page_lines) in pages.iter().enumerate() {
        let mut page = pdf.page(page_ref(i));
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT));
        page.parent(tree);
        page.contents(content_ref(i));
        page.resources()
            .fonts()
            .pair(Name(b"F1"), regular)
            .pair(Name(b"F2"), bold);
        page.finish();

        let mut content = Content::new();
        content.begin_text();
        content.set_leading(LEADING);
        content.next_line(MARGIN, PAGE_HEIGHT - MARGIN);
        let mut current_bold = None;
        for (bold_line, text) in page_lines.iter() {
            if current_bold != Some(*bold_line) {
                content.set_font(Name(if *bold_line { b"F2" } else { b"F1" }), FONT_SIZE);
                current_bold = Some(*bold_line);
            }
            content.show(Str(&win_ansi(text)));
            content.next_line_using_leading();
        }
        content.end_text();
        pdf.stream(content_ref(i), &content.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_words_are_split_and_lines_fit() {
        let hash = "x".repeat(200);
        let lines = wrap(&format!("Prüfsumme {hash} Ende"), 40);
        assert!(lines.iter().all(|l| l.chars().count() <= 40), "{lines:?}");
        assert_eq!(lines.concat().replace(' ', ""), format!("Prüfsumme{hash}Ende"));
    }

    #[test]
    fn german_letters_are_win_ansi() {
        assert_eq!(
            win_ansi("äöüÄÖÜß€"),
            [0xE4, 0xF6, 0xFC, 0xC4, 0xD6, 0xDC, 0xDF, 0x80]
        );
        assert_eq!(win_ansi("\u{1}✓"), b" ?");
    }

    #[test]
    fn every_windows_1252_character_has_its_code() {
        // Windows-1252 0x80–0x9F; 0x81, 0x8D, 0x8F, 0x90 and 0x9D are unassigned.
        let table = "€\u{0}‚ƒ„…†‡ˆ‰Š‹Œ\u{0}Ž\u{0}\u{0}‘’“”•–—˜™š›œ\u{0}žŸ";
        for (code, c) in (0x80u8..=0x9F).zip(table.chars()) {
            if c != '\u{0}' {
                assert_eq!(win_ansi(&c.to_string()), [code], "{c}");
            }
        }
        assert_eq!(table.chars().count(), 32);
    }

    #[test]
    fn many_lines_make_several_pages() {
        let blocks: Vec<Block> = (0..200).map(|i| Block::Paragraph(format!("Zeile {i}"))).collect();
        let pdf = render("Titel", &blocks);
        let text = String::from_utf8_lossy(&pdf);
        let pages = text.matches("/Type /Page").count() - text.matches("/Type /Pages").count();
        assert_eq!(pages, 202usize.div_ceil(LINES_PER_PAGE));
    }
}
