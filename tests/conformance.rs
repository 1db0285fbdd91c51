//! Conformance tests against the hand-written vectors in `tests/data/`
//! (TR 01201-3.4 §3.1; the expected outcome of each file is in
//! `tests/data/MANIFEST.tsv`), plus rule-by-rule tests named after the rule.

use std::collections::BTreeSet;

use demail::envelope::{Envelope, FieldValueError, Warning};
use demail::fields::{FieldName, MessageKind, MessageType, NotificationType, Version};
use demail::header::{HeaderError, Limits};
use demail::validate::{Mode, Rule};

mod common;
use common::data;

struct Expected {
    file: String,
    kind: Option<MessageKind>,
    forwarded: bool,
    exit: u8,
    rules: BTreeSet<String>,
}

fn manifest() -> Vec<Expected> {
    let text = String::from_utf8(data("MANIFEST.tsv")).unwrap();
    text.lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            let kind = match cols[1] {
                "normal" => Some(MessageKind::Normal),
                "confirmation" => Some(MessageKind::Confirmation),
                "notification" => Some(MessageKind::Notification),
                "ident" => Some(MessageKind::Ident),
                _ => None,
            };
            Expected {
                file: cols[0].to_owned(),
                kind,
                forwarded: cols[2] == "yes",
                exit: cols[3].parse().unwrap(),
                rules: cols[4]
                    .split(',')
                    .filter(|r| !r.is_empty())
                    .map(str::to_owned)
                    .collect(),
            }
        })
        .collect()
}

/// Every vector parses (or fails) as the manifest says, with exactly the
/// listed rules broken.
#[test]
fn every_vector_matches_its_manifest_entry() {
    let entries = manifest();
    assert!(entries.len() >= 30, "the manifest lists {} files", entries.len());
    for expected in entries {
        let raw = data(&expected.file);
        let envelope = match Envelope::parse(&raw) {
            Ok(envelope) => envelope,
            Err(err) => {
                assert_eq!(
                    expected.exit, 2,
                    "{}: unexpected parse error {err}",
                    expected.file
                );
                continue;
            }
        };
        assert_ne!(expected.exit, 2, "{}: parsed but should not", expected.file);
        let report = envelope.validate();
        let rules: BTreeSet<String> = report
            .violations()
            .iter()
            .map(|v| v.rule.id().to_owned())
            .collect();
        assert_eq!(rules, expected.rules, "{}: {report}", expected.file);
        assert_eq!(report.is_valid(), expected.exit == 0, "{}", expected.file);
        assert_eq!(envelope.kind(), expected.kind, "{}", expected.file);
        assert_eq!(envelope.is_forwarded(), expected.forwarded, "{}", expected.file);
    }
}

/// Every violation names a field, a rule and a TR section.
#[test]
fn violations_name_field_rule_and_section() {
    for expected in manifest().iter().filter(|e| e.exit == 1) {
        let raw = data(&expected.file);
        let report = Envelope::parse(&raw).unwrap().validate();
        for violation in report.violations() {
            assert!(
                violation.section.starts_with("TR 01201"),
                "{}: {violation}",
                expected.file
            );
            assert!(!violation.detail.is_empty());
        }
    }
}

// TR 01201-3.4 §3.1: header names are case-insensitive
#[test]
fn header_names_are_case_insensitive() {
    let lower = Envelope::parse(&data("normal.eml"))
        .unwrap()
        .into_metadata()
        .into_owned();
    let raw = data("normal-mixed-case-names.eml");
    let mixed = Envelope::parse(&raw).unwrap();
    assert!(mixed.metadata().private.is_some());
    assert!(mixed.validate().is_valid());
    assert!(lower.sender.is_some());
}

// TR 01201-3.4 §3.1.1: "der Wert des Header ..., der in der Reihenfolge von oben als erstes steht"
#[test]
fn duplicate_private_field_first_from_top_wins() {
    let raw = data("duplicate-header-first-wins.eml");
    let envelope = Envelope::parse(&raw).unwrap();
    assert_eq!(envelope.metadata().private, Some(false));
    let duplicates: Vec<_> = envelope
        .warnings()
        .iter()
        .filter(|w| {
            matches!(
                w,
                Warning::Duplicate {
                    field: FieldName::Private,
                    ..
                }
            )
        })
        .collect();
    assert_eq!(duplicates.len(), 1);
    let first = envelope.field(FieldName::Private).unwrap();
    assert!(String::from_utf8_lossy(first.raw).trim_end().ends_with("no"));
}

// TR 01201-3.4 §3.1.3: an absent option means "no"
#[test]
fn absent_confirmation_of_receipt_means_no() {
    let raw = data("notification.eml");
    let envelope = Envelope::parse(&raw).unwrap();
    assert_eq!(envelope.metadata().confirmation_of_receipt, None);
    assert!(
        !envelope
            .metadata()
            .option(demail::metadata::DispatchOption::ConfirmationOfReceipt)
    );
}

// TR 01201-3.4 §3.1.6: values are case-sensitive
#[test]
fn private_value_yes_is_case_sensitive() {
    let raw = data("bad-yes-no.eml");
    let envelope = Envelope::parse(&raw).unwrap();
    let error = &envelope.field_errors()[0];
    assert_eq!(error.field, FieldName::Private);
    assert!(matches!(error.error, FieldValueError::NotYesNo(_)));
    assert_eq!(
        envelope.metadata().private,
        None,
        "an invalid value is not read as yes"
    );
}

// TR 01201-3.4 §3.1.8, Table 8
#[test]
fn chosen_recipient_rejects_second_to_element() {
    let raw = data("duplicate-to-element.eml");
    let envelope = Envelope::parse(&raw).unwrap();
    let error = envelope
        .field_errors()
        .iter()
        .find(|e| e.field == FieldName::ChosenRecipient)
        .unwrap();
    assert_eq!(
        error.error,
        FieldValueError::Address(demail::address::AddressError::DuplicateKey("to"))
    );
}

// TR 01201-3.4 §3.1.8: cc and bcc must be left out when empty
#[test]
fn chosen_recipient_rejects_empty_cc_element() {
    let raw = data("empty-cc-element.eml");
    let envelope = Envelope::parse(&raw).unwrap();
    assert!(
        envelope
            .field_errors()
            .iter()
            .any(|e| e.field == FieldName::ChosenRecipient
                && e.error == FieldValueError::Address(demail::address::AddressError::EmptyElement("cc")))
    );
}

// TR 01201-3.4 §3.1.17: at most 1024 characters
#[test]
fn private_id_of_1024_characters_is_accepted_1025_rejected() {
    let ok = data("private-id-1024.eml");
    let envelope = Envelope::parse(&ok).unwrap();
    assert_eq!(
        envelope.metadata().private_id.as_ref().unwrap().chars().count(),
        1024
    );
    assert!(envelope.validate().is_valid());
    let too_long = data("private-id-1025.eml");
    assert!(
        Envelope::parse(&too_long)
            .unwrap()
            .validate()
            .breaks(Rule::PrivateIdTooLong)
    );
}

// TR 01201-3.4 §3.1.16, Table 17: unknown versions are kept, not lost
#[test]
fn unknown_version_is_kept_and_reported() {
    let raw = data("version-unknown.eml");
    let envelope = Envelope::parse(&raw).unwrap();
    assert_eq!(envelope.metadata().version, Some(Version::Other("1.3".into())));
    assert!(envelope.validate().breaks(Rule::UnknownVersion));
}

// TR 01201-3.4 §3.1.12, Table 12
#[test]
fn message_type_with_dashes_is_rejected() {
    let raw = data("message-type-dashes.eml");
    let envelope = Envelope::parse(&raw).unwrap();
    assert_eq!(envelope.metadata().message_type, None);
    assert!(
        envelope
            .field_errors()
            .iter()
            .any(|e| e.field == FieldName::MessageType)
    );
    let raw = data("confirmation-dispatch.eml");
    let envelope = Envelope::parse(&raw).unwrap();
    assert_eq!(
        envelope.metadata().message_type,
        Some(MessageType::ConfirmationOfDispatch)
    );
}

// TR 01201-3.4 §3.1.20; TR 01201-3.1 Schritt 41 (FC-02)
#[test]
fn notification_without_type_is_invalid_but_deliverable_in_lenient_mode() {
    let raw = data("notification-missing-type.eml");
    let report = Envelope::parse(&raw).unwrap().validate();
    assert!(report.breaks(Rule::RequiredField));
    assert!(!report.accepts(Mode::Strict));
    assert!(report.accepts(Mode::Lenient));
}

// TR 01201-3.1 Schritt 41: the exception is for notifications only
#[test]
fn lenient_mode_does_not_accept_broken_normal_messages() {
    let raw = data("missing-account-holder.eml");
    let report = Envelope::parse(&raw).unwrap().validate();
    assert!(!report.accepts(Mode::Lenient));
}

// TR 01201-3.4 §3.1.20, Table 22
#[test]
fn notification_type_is_typed() {
    let raw = data("notification.eml");
    let envelope = Envelope::parse(&raw).unwrap();
    assert_eq!(
        envelope.metadata().notification_type,
        Some(NotificationType::UnknownRecipient)
    );
}

// TR 01201-3.4 §3.1.19: RFC 2047 encoded words decoded for the typed value,
// raw bytes kept for the integrity hash
#[test]
fn encoded_subject_is_decoded_and_raw_bytes_are_kept() {
    let raw = data("normal.eml");
    let envelope = Envelope::parse(&raw).unwrap();
    let subject_field = envelope.field(FieldName::Subject).unwrap();
    assert!(subject_field.raw.windows(2).any(|w| w == b"=?"));
    let subject = envelope.metadata().subject.as_deref().unwrap();
    assert!(!subject.contains("=?"));
    assert!(!subject.is_ascii());
    let start = subject_field.offset;
    assert_eq!(&raw[start..start + subject_field.raw.len()], subject_field.raw);
}

// RFC 5322 §2.2 / TR 01201-3.4 §3.1.21 condition 4: bare CR is malformed
#[test]
fn bare_cr_in_header_is_a_parse_error() {
    let raw = data("cr-without-lf.eml");
    assert!(matches!(Envelope::parse(&raw), Err(HeaderError::BareCr { .. })));
}

#[test]
fn binary_input_is_not_a_mail() {
    let raw = data("not-a-mail.eml");
    assert!(matches!(
        Envelope::parse(&raw),
        Err(HeaderError::NotAMessage
            | HeaderError::MalformedLine { .. }
            | HeaderError::InvalidFieldName { .. })
    ));
}

#[test]
fn non_utf8_subject_is_read_lossily_with_a_warning() {
    let raw = data("non-utf8.eml");
    let envelope = Envelope::parse(&raw).unwrap();
    assert!(envelope.warnings().iter().any(|w| matches!(
        w,
        Warning::NotUtf8 {
            field: FieldName::Subject,
            ..
        }
    )));
    assert!(
        envelope
            .metadata()
            .subject
            .as_deref()
            .unwrap()
            .contains('\u{fffd}')
    );
}

// TR 01201-3.4 §3.2: forwarding rewrites actual-recipient; W/F keeps the original's column
#[test]
fn forwarded_message_may_have_different_actual_recipient() {
    let raw = data("forwarded.eml");
    let envelope = Envelope::parse(&raw).unwrap();
    assert!(envelope.is_forwarded());
    let m = envelope.metadata();
    assert!(
        !m.chosen_recipient
            .as_ref()
            .unwrap()
            .same_recipients(m.actual_recipient.as_ref().unwrap())
    );
    assert!(envelope.validate().is_valid());
}

#[test]
fn strict_parse_returns_every_violation() {
    let raw = data("uppercase-address.eml");
    match Envelope::parse_strict(&raw) {
        Err(demail::validate::StrictError::Invalid(report)) => {
            assert!(report.violations().len() >= 2, "{report}");
            assert!(
                report
                    .violations()
                    .iter()
                    .all(|v| v.rule == Rule::AddressNotLowerCase)
            );
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert!(Envelope::parse_strict(&data("normal.eml")).is_ok());
}

// Limits against hostile input: each exceeded limit is a typed error
#[test]
fn header_limits_are_typed_errors() {
    let mut raw = Vec::new();
    for i in 0..2000 {
        raw.extend_from_slice(format!("X-Filler-{i}: x\r\n").as_bytes());
    }
    raw.extend_from_slice(b"\r\n");
    assert_eq!(
        Envelope::parse(&raw),
        Err(HeaderError::TooManyFields { limit: 1000 })
    );

    let long_line = format!("Subject: {}\r\n\r\n", "a".repeat(5000));
    assert!(matches!(
        Envelope::parse(long_line.as_bytes()),
        Err(HeaderError::LineTooLong {
            offset: 0,
            limit: 4096
        })
    ));

    let mut folded = b"Subject: x\r\n".to_vec();
    for _ in 0..40_000 {
        folded.extend_from_slice(b" yyyyyyyy\r\n");
    }
    assert_eq!(
        Envelope::parse(&folded),
        Err(HeaderError::HeaderTooLarge { limit: 256 * 1024 })
    );

    let tight = Limits {
        max_fields: 3,
        ..Limits::default()
    };
    assert!(Envelope::parse_with_limits(&data("normal.eml"), &tight).is_err());
}
