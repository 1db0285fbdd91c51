//! `pdf::render` (TR 01201-3.4 §3.4.1; D59–D61) on arbitrary text: the bytes
//! (lossy UTF-8) split at NUL into title, label and value.
//!
//! Checks: rendering never panics and always gives a PDF: any text, however
//! long or odd (controls, combining marks, private use, characters the font
//! lacks), is a PDF/A-3b document, never an error. No skips.
#![no_main]

use demail::fields::DateTime;
use demail::pdf::{Block, PdfAttachment, render};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\0');
    let title = parts.next().unwrap_or_default();
    let label = parts.next().unwrap_or_default();
    let value = parts.next().unwrap_or_default();
    let created = DateTime::parse_rfc5322("Tue, 24 Nov 2026 10:00:00 +0100").expect("date");
    let blocks = [
        Block::Heading(label.to_owned()),
        Block::Paragraph(value.to_owned()),
        Block::Field {
            label: label.to_owned(),
            value: value.to_owned(),
        },
    ];
    let attachment = PdfAttachment {
        file_name: "Acknowledge-Message.xml",
        xml: data,
    };
    if let Err(error) = render(title, &blocks, &created, &attachment) {
        panic!("no PDF: {error}");
    }
});
