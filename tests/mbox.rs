//! Export and import (TR 01201-3.4 §3.6): mbox with qmail `From_` quoting,
//! byte-exact round trip, import validation with positions, integrity after
//! import.

use std::time::{Duration, UNIX_EPOCH};

use proptest::prelude::*;

use demail::envelope::Envelope;
use demail::integrity::{Verdict, verify};
use demail::mbox::{
    DEFAULT_MAX_MESSAGE, FromLine, ImportProblem, Imported, MboxReader, MboxWriter, export_plain, import,
};
use demail::trust::VerifyOptions;

mod common;
use common::{cert, data};

/// The test CA as trust anchor, at 2026-11-24.
fn options() -> VerifyOptions<'static> {
    let trust = Box::leak(Box::new([cert("ca"), cert("intermediate")]));
    VerifyOptions {
        time: UNIX_EPOCH + Duration::from_secs(1_795_478_400),
        trust_anchors: &trust[..1],
        intermediates: &trust[1..],
        ..VerifyOptions::default()
    }
}

fn export(messages: &[Vec<u8>]) -> Vec<u8> {
    let mut writer = MboxWriter::new(Vec::new());
    for message in messages {
        writer
            .write_message(message, &FromLine::for_message(message))
            .unwrap();
    }
    writer.finish().unwrap()
}

fn read(file: &[u8]) -> Vec<Vec<u8>> {
    MboxReader::new(file, DEFAULT_MAX_MESSAGE)
        .map(|m| m.unwrap().data)
        .collect()
}

/// The brainpool-signed sample: it verifies with feature `brainpool` (D188).
const BP256_SAMPLE: &str = "signed/confirmation-dispatch-bp256.eml";

// TR 01201-3.4 §3.6: "Eine Prüfung der Integrität muss möglich sein": export
// and import give the signed messages back byte for byte, and they verify.
#[test]
fn export_then_import_keeps_messages_and_integrity() {
    let messages = vec![
        data("signed/normal-rsa3072.eml"),
        data(BP256_SAMPLE),
        data("signed/normal-minimal-hash-only.eml"),
    ];
    let file = export(&messages);
    assert!(file.starts_with(b"From poststelle@stadt-musterstadt.de-mail.de Tue Mar 12 08:15:02 2024\n"));
    let imported: Vec<Imported> = import(&file[..], DEFAULT_MAX_MESSAGE).collect();
    assert_eq!(imported.len(), 3);
    for (original, result) in messages.iter().zip(&imported) {
        let Imported::Valid(message) = result else {
            panic!("not valid: {result:?}");
        };
        assert_eq!(&message.data, original);
        let envelope = Envelope::parse(&message.data).unwrap();
        if cfg!(feature = "brainpool") || original != &data(BP256_SAMPLE) {
            assert_eq!(verify(&envelope, &options()).verdict, Verdict::Pass);
        }
    }
}

// TR 01201-3.4 §3.6: invalid messages are reported with their position
// ("Ansonsten ist ein Fehler auszugeben"), the import goes on.
#[test]
fn import_reports_invalid_messages_with_index_and_offset() {
    let messages = vec![
        data("normal-minimal.eml"),
        b"Subject: plain internet mail\r\n\r\nno De-Mail fields\r\n".to_vec(),
        b"not a mail at all".to_vec(),
        data("notification.eml"),
    ];
    let file = export(&messages);
    let results: Vec<Imported> = import(&file[..], DEFAULT_MAX_MESSAGE).collect();
    assert_eq!(results.len(), 4);
    assert!(matches!(&results[0], Imported::Valid(m) if m.index == 0 && m.offset == 0));
    match &results[1] {
        Imported::Invalid { message, problem } => {
            assert_eq!(message.index, 1);
            // Right after the first exported message.
            assert_eq!(message.offset, export(&messages[..1]).len() as u64);
            assert_eq!(&file[message.offset as usize..][..5], b"From ");
            assert!(matches!(problem, ImportProblem::NotDeMail(_)));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        &results[2],
        Imported::Invalid { message, problem: ImportProblem::NotAMail(_) } if message.index == 2
    ));
    assert!(matches!(&results[3], Imported::Valid(m) if m.index == 3));
}

// TR 01201-3.4 §3.6: an empty file holds 0 messages.
#[test]
fn empty_file_imports_nothing() {
    assert_eq!(import(&b""[..], DEFAULT_MAX_MESSAGE).count(), 0);
}

// TR 01201-3.4 §3.6: single-message export as plain RFC 5322 text.
#[test]
fn single_message_export_is_the_exact_message() {
    let message = data("signed/normal-rsa3072.eml");
    let mut out = Vec::new();
    export_plain(&message, &mut out).unwrap();
    assert_eq!(out, message);
    assert!(matches!(
        export_plain(b"", &mut out),
        Err(ImportProblem::NotAMail(_))
    ));
}

// qmail mbox(5): the spec digest's acceptance example (digest §10 no. 24).
#[test]
fn from_lines_in_the_body_are_quoted_and_restored() {
    let message = b"Subject: x\r\n\r\nFrom here\r\n>From there\r\n".to_vec();
    let file = export(std::slice::from_ref(&message));
    let text = String::from_utf8(file.clone()).unwrap();
    assert!(text.contains("\r\n>From here\r\n>>From there\r\n"));
    assert_eq!(read(&file), vec![message]);
}

fn line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"From x".to_vec()),
        Just(b"From ".to_vec()),
        Just(b">From x".to_vec()),
        Just(b">>From x".to_vec()),
        Just(b">>>>From ".to_vec()),
        Just(b"> From x".to_vec()),
        Just(b"From".to_vec()),
        Just(b"Fromage".to_vec()),
        Just(b"".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"Subject: x".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..20),
    ]
}

fn message() -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::collection::vec((line(), prop_oneof![Just(&b"\n"[..]), Just(&b"\r\n"[..])]), 0..8),
        line(),
    )
        .prop_map(|(lines, last)| {
            let mut out = Vec::new();
            for (line, end) in lines {
                out.extend_from_slice(&line);
                out.extend_from_slice(end);
            }
            // The last line may lack a line end.
            out.extend_from_slice(&last);
            out
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    // TR 01201-3.4 §3.6, qmail mbox(5), D44: the quoting round trip is
    // byte-exact for any messages, with or without a final newline.
    #[test]
    fn quoting_round_trip_is_byte_exact(messages in proptest::collection::vec(message(), 0..6)) {
        let file = export(&messages);
        prop_assert_eq!(read(&file), messages.clone());
        // And a second export of what was read is the same file.
        prop_assert_eq!(export(&read(&file)), file);
    }

    // The reader never panics, whatever the input.
    #[test]
    fn reader_reads_any_bytes(file in proptest::collection::vec(any::<u8>(), 0..400)) {
        for result in MboxReader::new(&file[..], 64) {
            let _ = result;
        }
    }
}
