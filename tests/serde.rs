//! The `serde` forms of the library's types (feature `serde`, README "JSON
//! output", docs/decisions.md D181–D184): one time format (RFC 3339 in
//! UTC), addresses as strings, stable snake_case codes, and metadata that a
//! service reads back into the same values.
#![cfg(feature = "serde")]

use demail::address::DeMailAddress;
use demail::envelope::Envelope;
use demail::error_case::ErrorCase;
use demail::fields::DateTime;
use demail::metadata::Metadata;
use demail::provider_directory::SignerBinding;
use demail::trust::VerifyOptions;
use serde_json::json;

fn data(name: &str) -> Vec<u8> {
    std::fs::read(format!("tests/data/{name}")).unwrap()
}

// D182: every time is RFC 3339 in UTC; reading accepts any offset
// (RFC 3339 §5.6).
#[test]
fn date_time_serializes_as_rfc3339_utc() {
    let time = DateTime::parse_rfc3339("2026-11-24T10:00:00+01:00").unwrap();
    assert_eq!(serde_json::to_value(time).unwrap(), "2026-11-24T09:00:00Z");
    let back: DateTime = serde_json::from_value(json!("2026-11-24T10:00:00+01:00")).unwrap();
    assert_eq!(back.unix_seconds(), time.unix_seconds());
    assert!(serde_json::from_value::<DateTime>(json!("2026-02-30T10:00:00Z")).is_err());
}

// TR 01201-3.4 §3.1 (Table 1); D182: the metadata of a message goes to JSON
// and back unchanged, addresses as their RFC 5322 text.
#[test]
fn metadata_round_trips_through_json() {
    let raw = data("normal.eml");
    let envelope = Envelope::parse(&raw).unwrap();
    let metadata = envelope.metadata();
    let value = serde_json::to_value(metadata).unwrap();
    assert_eq!(value["sender"], "poststelle@stadt-musterstadt.de-mail.de");
    assert_eq!(value["message_type"], "normal");
    assert_eq!(value["auth_level"], "high");
    assert_eq!(value["date"], "2024-03-12T08:15:02Z");
    let back: Metadata<'static> = serde_json::from_value(value).unwrap();
    let mut expected = metadata.clone();
    // The one field that changes: the date's offset becomes UTC, the same instant.
    expected.date = expected.date.map(|d| d.at_offset(0).unwrap());
    assert_eq!(back, expected);
}

// ACM §2.1: an address that is not a De-Mail address is refused on reading.
#[test]
fn address_reads_back_only_when_valid() {
    let address: DeMailAddress<'static> =
        serde_json::from_value(json!("\"Max\" <max@dmda-a.de-mail.de>")).unwrap();
    assert_eq!(address.display_name.as_deref(), Some("Max"));
    assert_eq!(
        serde_json::to_value(&address).unwrap(),
        "\"Max\" <max@dmda-a.de-mail.de>"
    );
    assert!(serde_json::from_value::<DeMailAddress<'static>>(json!("no address")).is_err());
}

// PVD FU Schritt 48; D184: the verdict, the failure's code and its error
// case are stable snake_case identifiers.
#[test]
fn verification_report_serializes_codes() {
    let raw = data("signed/normal-rsa3072.eml");
    let envelope = Envelope::parse(&raw).unwrap();
    let report = demail::verify(&envelope, &VerifyOptions::default());
    let value = serde_json::to_value(&report).unwrap();
    assert_eq!(value["verdict"], "signer_not_trusted");
    assert_eq!(value["failure"], serde_json::Value::Null);
    assert_eq!(value["mode"], "signed");
    assert_eq!(value["status"]["code"], "not_checked");
    assert_eq!(value["certificate"]["key"], "RSA-3072");
    assert_eq!(value["certificate"]["not_after"], "2045-01-01T00:00:00Z");

    let raw = data("normal.eml").to_vec();
    let changed = String::from_utf8(raw)
        .unwrap()
        .replacen("Lindenweg", "Birkenweg", 1);
    let envelope = Envelope::parse(changed.as_bytes()).unwrap();
    let value = serde_json::to_value(demail::verify(&envelope, &VerifyOptions::default())).unwrap();
    assert_eq!(value["verdict"], "fail");
    assert!(value["failure"]["code"].is_string(), "{value}");
    assert!(
        value["failure"]["error_case"]
            .as_str()
            .unwrap()
            .starts_with("fc_0"),
        "{value}"
    );
}

// D184: the codes read back into the same values.
#[test]
fn codes_read_back() {
    for case in [
        ErrorCase::Fc01IntegrityViolation,
        ErrorCase::Fc02CertificateInvalid,
        ErrorCase::Fc03StatusUnchecked,
        ErrorCase::Fc04MissingSignature,
    ] {
        let value = serde_json::to_value(case).unwrap();
        assert_eq!(value, case.id());
        assert_eq!(serde_json::from_value::<ErrorCase>(value).unwrap(), case);
    }
    assert!(serde_json::from_value::<ErrorCase>(json!("FC-01")).is_err());
    let binding = SignerBinding::Listed {
        domain: "dmda-a.de-mail.de".into(),
    };
    let value = serde_json::to_value(&binding).unwrap();
    assert_eq!(value, json!({"state": "listed", "domain": "dmda-a.de-mail.de"}));
    assert_eq!(serde_json::from_value::<SignerBinding>(value).unwrap(), binding);
}
