//! The archival PDF of confirmations and notifications (TR 01201-3.4 §3.4.1:
//! "inhaltsgleiche Darstellung"; PDF/A-3b, ISO 19005-3; D59–D61), checked
//! with tools independent of the crate: poppler's pdffonts, pdfinfo,
//! pdfdetach and pdftotext, and qpdf (Debian packages poppler-utils and
//! qpdf, installed by .ci/run). The originals carry Latin, Greek and
//! Cyrillic names in sender, recipients and a 600-character subject.
#![cfg(feature = "provider")]

mod common;
mod xmldsig_common;

use std::path::PathBuf;
use std::process::Command;

use mail_parser::MimeHeaders;

use demail::address::DeMailAddress;
use demail::confirmation::{AcknowledgeMessage, ConfirmationKind, ConfirmationRequest, build_confirmation};
use demail::envelope::Envelope;
use demail::fields::DateTime;
use demail::notification::{NotificationKind, NotificationMessage, NotificationRequest, build_notification};
use demail::pdf::{Block, PdfAttachment, render};
use demail::provider::Issuer;
use xmldsig_common::tool_available;

/// The names of issue 16: Polish, Turkish, Serbian/Croatian, Greek, Cyrillic.
const NAMES: [&str; 6] = [
    "Łukasz Wójcik",
    "Mehmet Şahin",
    "Đorđe Đorđević",
    "Ewa Żółć",
    "Γεώργιος Παπαδόπουλος",
    "Наталья Кузнецова",
];

/// A subject of exactly 600 characters that contains every name.
fn long_subject() -> String {
    let mut subject = format!("Anhörung zum Straßenbau: {}", NAMES.join(", "));
    let filler = " Beteiligung der Anwohnerinnen und Anwohner";
    while subject.chars().count() < 600 {
        subject.push_str(filler);
    }
    subject.chars().take(600).collect()
}

/// tests/data/normal.eml with the names in From, To and Cc (RFC 6532
/// UTF-8 header values) and the long subject.
fn original_with_names() -> Vec<u8> {
    let text = common::text("normal.eml");
    let start = text.find("From:").expect("From");
    let end = text.find("Message-ID:").expect("Message-ID");
    let fields = format!(
        "From: \"{}\" <poststelle@stadt-musterstadt.de-mail.de>\r\n\
         To: \"{}\" <max.mustermann@dmda-a.de-mail.de>,\r\n \"{}\" <erika.mustermann@dmda-b.de-mail.de>,\r\n \"{}\" <info@anwohner-lindenweg.de-mail.de>\r\n\
         Cc: \"{}\" <ortsbeirat.nord@stadt-musterstadt.de-mail.de>\r\n\
         Reply-To: \"{}\" <bauamt@stadt-musterstadt.de-mail.de>\r\n\
         Subject: {}\r\n",
        NAMES[0],
        NAMES[1],
        NAMES[2],
        NAMES[3],
        NAMES[4],
        NAMES[5],
        long_subject()
    );
    let line_end = if text.contains("\r\n") { "\r\n" } else { "\n" };
    format!(
        "{}{}{}",
        &text[..start],
        fields.replace("\r\n", line_end),
        &text[end..]
    )
    .into_bytes()
}

fn time(text: &str) -> DateTime {
    DateTime::parse_rfc5322(text).expect("date")
}

fn confirmation(original: &[u8], kind: ConfirmationKind) -> Vec<u8> {
    let envelope = Envelope::parse(original).expect("original");
    let issuer = Issuer::new(
        "DMDA B GmbH",
        DeMailAddress::parse(&format!("{}@dmda-b.de-mail.de", kind.system_local_part())).expect("address"),
    );
    let request = ConfirmationRequest {
        kind,
        issuer: &issuer,
        time: time("Wed, 13 Mar 2024 08:00:00 +0100"),
        delivery_time: (kind == ConfirmationKind::Retrieve).then(|| time("Tue, 12 Mar 2024 09:15:05 +0100")),
        message_id: None,
    };
    build_confirmation(&envelope, &request, &common::signer("p256")).expect("confirmation")
}

fn notification(original: &[u8], kind: NotificationKind) -> Vec<u8> {
    let envelope = Envelope::parse(original).expect("original");
    let issuer = Issuer::new(
        "DMDA B GmbH",
        DeMailAddress::parse(&format!("{}@dmda-b.de-mail.de", kind.system_local_part())).expect("address"),
    );
    let request = NotificationRequest::new(kind, &issuer, time("Wed, 13 Mar 2024 08:00:00 +0100"));
    build_notification(&envelope, &request, None).expect("notification")
}

/// Every confirmation and notification of the original with the names:
/// (label, whole message).
fn messages() -> Vec<(String, Vec<u8>)> {
    let original = original_with_names();
    let mut out: Vec<(String, Vec<u8>)> = ConfirmationKind::ALL
        .iter()
        .map(|kind| {
            (
                format!("confirmation-{}", kind.as_str()),
                confirmation(&original, *kind),
            )
        })
        .collect();
    out.extend(NotificationKind::ALL.iter().map(|kind| {
        (
            format!("notification-{}", kind.as_str()),
            notification(&original, *kind),
        )
    }));
    out
}

/// The contents of the part with this subtype (`pdf`, `xml`).
fn part(message: &[u8], subtype: &str) -> Vec<u8> {
    let parsed = mail_parser::MessageParser::default()
        .parse(message)
        .expect("MIME");
    parsed
        .attachments()
        .find(|p| p.content_type().is_some_and(|c| c.subtype() == Some(subtype)))
        .unwrap_or_else(|| panic!("no {subtype} part"))
        .contents()
        .to_vec()
}

fn write(dir: &str, name: &str, bytes: &[u8]) -> PathBuf {
    let file = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("pdfa")
        .join(dir)
        .join(name);
    std::fs::create_dir_all(file.parent().expect("parent")).expect("dir");
    std::fs::write(&file, bytes).expect("write");
    file
}

/// Runs a tool; its standard output, or a failure naming the tool and its
/// standard error.
fn run(tool: &str, args: &[&std::ffi::OsStr]) -> String {
    let output = Command::new(tool).args(args).output().expect(tool);
    assert!(
        output.status.success(),
        "{tool} {args:?} failed ({}): {}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// The text of the PDF in its physical layout (`-layout`: the value column
/// stays beside its label).
fn pdftotext(file: &std::path::Path) -> String {
    run(
        "pdftotext",
        &[
            std::ffi::OsStr::new("-layout"),
            file.as_os_str(),
            std::ffi::OsStr::new("-"),
        ],
    )
}

/// White space removed: pdftotext breaks lines where the PDF does.
fn squash(text: &str) -> String {
    text.split_whitespace().collect()
}

/// The text of the pages without their page numbers (`Seite 1 von 2`),
/// which pdftotext puts between the last line of a page and the first of
/// the next.
fn body(text: &str) -> String {
    text.lines()
        .filter(|l| !(l.trim().starts_with("Seite ") && l.contains(" von ")))
        .collect::<Vec<_>>()
        .join("\n")
}

fn pdfs(test: &str) -> Vec<(String, Vec<u8>, PathBuf)> {
    messages()
        .into_iter()
        .map(|(label, message)| {
            let pdf = part(&message, "pdf");
            let file = write(test, &format!("{label}.pdf"), &pdf);
            (label, message, file)
        })
        .collect()
}

#[test]
fn pdffonts_lists_every_font_as_embedded_and_subset() {
    // ISO 19005-3 §6.2.11.4: fonts embedded; issue 16: subset Unicode fonts.
    if !tool_available("pdffonts") {
        return;
    }
    for (label, _, file) in pdfs("fonts") {
        let listing = run("pdffonts", &[file.as_os_str()]);
        let rows: Vec<&str> = listing.lines().skip(2).collect();
        assert!(!rows.is_empty(), "{label}: no font\n{listing}");
        for row in rows {
            let columns: Vec<&str> = row.split_whitespace().collect();
            // name type [type] encoding emb sub uni object ID
            let n = columns.len();
            assert!(n >= 7, "{label}: {row}");
            let (emb, sub, uni) = (columns[n - 5], columns[n - 4], columns[n - 3]);
            assert_eq!((emb, sub, uni), ("yes", "yes", "yes"), "{label}: {row}");
            assert!(
                columns[0].contains("+DejaVuSansMono"),
                "{label}: subset tag: {row}"
            );
        }
    }
}

#[test]
fn pdfinfo_shows_the_pdfa_3b_identification_and_metadata() {
    // ISO 19005-3 §6.6.4: pdfaid:part 3, pdfaid:conformance B in the XMP;
    // §6.1.3: no encryption; title, creation date and producer (issue 16).
    if !tool_available("pdfinfo") {
        return;
    }
    for (label, _, file) in pdfs("info") {
        let meta = run("pdfinfo", &[std::ffi::OsStr::new("-meta"), file.as_os_str()]);
        let squashed = squash(&meta);
        assert!(
            squashed.contains("<pdfaid:part>3</pdfaid:part>") || squashed.contains("pdfaid:part=\"3\""),
            "{label}:\n{meta}"
        );
        assert!(
            squashed.contains("<pdfaid:conformance>B</pdfaid:conformance>")
                || squashed.contains("pdfaid:conformance=\"B\""),
            "{label}:\n{meta}"
        );
        assert!(
            meta.contains("2024-03-13T08:00:00+01:00"),
            "{label}: creation date\n{meta}"
        );
        assert!(meta.contains("demail"), "{label}: producer\n{meta}");
        let info = run("pdfinfo", &[file.as_os_str()]);
        assert!(info.contains("Encrypted:       no"), "{label}:\n{info}");
        assert!(info.contains("PDF version:     1.7"), "{label}:\n{info}");
        assert!(info.contains("Producer:        demail"), "{label}:\n{info}");
        if label.starts_with("confirmation") {
            // The title is the confirmation's subject, which quotes the original's.
            let title = info.lines().find(|l| l.starts_with("Title:")).expect("Title");
            assert!(title.contains(NAMES[0]), "{label}: {title}");
        }
    }
}

#[test]
fn qpdf_check_finds_no_error() {
    if !tool_available("qpdf") {
        return;
    }
    for (label, _, file) in pdfs("qpdf") {
        let report = run("qpdf", &[std::ffi::OsStr::new("--check"), file.as_os_str()]);
        assert!(
            report.contains("No syntax or stream encoding errors found"),
            "{label}:\n{report}"
        );
        assert!(!report.contains("WARNING"), "{label}:\n{report}");
    }
}

#[test]
fn the_xml_part_is_attached_byte_for_byte_as_associated_source_file() {
    // ISO 19005-3 §6.8: embedded file as associated file (/AF) with
    // /AFRelationship and MIME subtype; D59: /Source, application/xml.
    if !tool_available("pdfdetach") || !tool_available("qpdf") {
        return;
    }
    for (label, message, file) in pdfs("detach") {
        let name = if label.starts_with("confirmation") {
            "Acknowledge-Message.xml"
        } else {
            "Notification-Message.xml"
        };
        let list = run("pdfdetach", &[std::ffi::OsStr::new("-list"), file.as_os_str()]);
        assert!(list.contains("1 embedded files"), "{label}:\n{list}");
        assert!(list.contains(name), "{label}:\n{list}");
        let saved = file.with_extension("xml");
        run(
            "pdfdetach",
            &[
                std::ffi::OsStr::new("-save"),
                std::ffi::OsStr::new("1"),
                std::ffi::OsStr::new("-o"),
                saved.as_os_str(),
                file.as_os_str(),
            ],
        );
        let xml = part(&message, "xml");
        assert_eq!(
            std::fs::read(&saved).expect("saved"),
            xml,
            "{label}: attachment differs from the XML part"
        );

        let qdf = file.with_extension("qdf.pdf");
        run(
            "qpdf",
            &[
                std::ffi::OsStr::new("--qdf"),
                std::ffi::OsStr::new("--object-streams=disable"),
                file.as_os_str(),
                qdf.as_os_str(),
            ],
        );
        let plain = String::from_utf8_lossy(&std::fs::read(&qdf).expect("qdf")).into_owned();
        assert!(
            plain.contains("/AFRelationship /Source"),
            "{label}: AFRelationship"
        );
        assert!(
            plain.contains("/Subtype /application#2fxml"),
            "{label}: MIME type"
        );
        assert!(plain.contains("/AF ["), "{label}: /AF in the catalog");
        assert!(plain.contains("/OutputIntents"), "{label}: output intent");
        assert!(plain.contains("/GTS_PDFA1"), "{label}: PDF/A output intent");
    }
}

#[test]
fn pdftotext_yields_every_name_and_every_xml_value() {
    // §3.4.1 "inhaltsgleich": every value of the XML is in the PDF, and the
    // names are printed as written, not as `?`.
    if !tool_available("pdftotext") {
        return;
    }
    for (label, message, file) in pdfs("text") {
        let text = pdftotext(&file);
        let flat = squash(&body(&text));
        assert!(
            flat.contains(&squash(&long_subject())),
            "{label}: the 600-character subject\n{text}"
        );
        if label.starts_with("confirmation") {
            for name in NAMES {
                assert!(flat.contains(&squash(name)), "{label}: {name} not in\n{text}");
            }
        }
        let xml = String::from_utf8(part(&message, "xml")).expect("UTF-8 XML");
        let values = xml_values(&xml);
        assert!(values.len() >= 4, "{label}: {values:?}");
        for value in values {
            assert!(
                flat.contains(&squash(&value)),
                "{label}: XML value {value:?} not in\n{text}"
            );
        }
        // No substitution character; the only `?` are those of RFC 2047
        // encoded words in raw header values of the original's metadata.
        let substituted = text
            .split_whitespace()
            .any(|w| w.contains('?') && !w.starts_with("=?"));
        assert!(!substituted, "{label}: a substitution character\n{text}");
        assert!(text.contains("Seite 1 von"), "{label}: page number\n{text}");
    }
}

/// The values of the XML (what §3.4.1 asks the PDF to show), read with the
/// crate's parsers of §3.5.3. Times are shown in German form beside the
/// XML form, so the XML form is what is looked for.
fn xml_values(xml: &str) -> Vec<String> {
    if let Ok(ack) = AcknowledgeMessage::parse(xml.as_bytes()) {
        let mut values = vec![ack.sender, ack.subject, ack.hash, ack.time.to_string()];
        values.extend(ack.text.lines().map(str::to_owned));
        values.extend(ack.metadata.into_iter().map(|m| m.value));
        values.extend(ack.delivery_time.map(|t| t.to_string()));
        return values;
    }
    let note = NotificationMessage::parse(xml.as_bytes()).expect("Notification-Message");
    let mut values = vec![note.sender, note.subject, note.time.to_string()];
    values.extend(note.text.lines().map(str::to_owned));
    values
}

#[test]
fn same_input_and_time_give_the_same_bytes() {
    // Issue 16: deterministic output. A notification's XML is not signed, so
    // its PDF repeats byte for byte (the MIME boundaries around it do not);
    // a confirmation's XML signature is randomized (ECDSA), so its PDF is
    // compared for one and the same XML.
    let original = original_with_names();
    for kind in NotificationKind::ALL {
        let first = part(&notification(&original, kind), "pdf");
        assert_eq!(first, part(&notification(&original, kind), "pdf"), "{kind:?}");
    }
    let message = confirmation(&original, ConfirmationKind::Receipt);
    let xml = part(&message, "xml");
    let blocks = [Block::Paragraph(long_subject())];
    let created = time("Wed, 13 Mar 2024 08:00:00 +0100");
    let attachment = PdfAttachment {
        file_name: "Acknowledge-Message.xml",
        xml: &xml,
    };
    let first = render("Eingangsbestätigung", &blocks, &created, &attachment).expect("pdf");
    let second = render("Eingangsbestätigung", &blocks, &created, &attachment).expect("pdf");
    assert_eq!(first, second);
    let later = time("Wed, 13 Mar 2024 08:00:01 +0100");
    assert_ne!(
        first,
        render("Eingangsbestätigung", &blocks, &later, &attachment).expect("pdf")
    );
}

#[test]
fn characters_the_font_lacks_print_as_code_points() {
    // D60: no `?`; the character's code point is printed visibly.
    if !tool_available("pdftotext") {
        return;
    }
    let created = time("Wed, 13 Mar 2024 08:00:00 +0100");
    let pdf = render(
        "Zeichen",
        &[Block::Paragraph("李 Ωmega ✓ Ж".into())],
        &created,
        &PdfAttachment {
            file_name: "a.xml",
            xml: b"<a/>",
        },
    )
    .expect("pdf");
    let file = write("fallback", "fallback.pdf", &pdf);
    let text = pdftotext(&file);
    assert!(text.contains("[U+674E] Ωmega ✓ Ж"), "{text}");
    assert!(!text.contains('?'), "{text}");
}

#[test]
fn long_content_wraps_and_breaks_into_numbered_pages() {
    // Issue 16: long values wrap, not cut; page breaks; a page number.
    if !tool_available("pdftotext") || !tool_available("pdfinfo") {
        return;
    }
    let created = time("Wed, 13 Mar 2024 08:00:00 +0100");
    let hash = "A".repeat(3000);
    let recipients: Vec<String> = (0..150)
        .map(|i| format!("empfänger.{i}@dmda-b.de-mail.de"))
        .collect();
    let pdf = render(
        "Versandbestätigung",
        &[
            Block::Field {
                label: "Betreff".into(),
                value: long_subject(),
            },
            Block::Field {
                label: "Empfänger".into(),
                value: recipients.join(", "),
            },
            Block::Field {
                label: "Prüfsumme".into(),
                value: hash.clone(),
            },
        ],
        &created,
        &PdfAttachment {
            file_name: "a.xml",
            xml: b"<a/>",
        },
    )
    .expect("pdf");
    let file = write("pages", "pages.pdf", &pdf);
    let info = run("pdfinfo", &[file.as_os_str()]);
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("Pages");
    assert!(pages >= 2, "{info}");
    let text = pdftotext(&file);
    for page in 1..=pages {
        assert!(
            text.contains(&format!("Seite {page} von {pages}")),
            "page {page}\n{text}"
        );
    }
    let flat = squash(&body(&text));
    assert!(flat.contains(&squash(&long_subject())));
    assert!(flat.contains(&hash), "the hash is cut");
    assert!(flat.contains(&squash(&recipients.join(", "))));
    let longest = text.lines().map(|l| l.chars().count()).max().expect("lines");
    assert!(longest <= 90, "a line of {longest} characters");
}
