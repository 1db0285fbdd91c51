//! The gateway stamp (issue 15 §4): `Authentication-Results` (RFC 8601)
//! written on top of a verified message.

mod common;

use demail::envelope::Envelope;
use demail::integrity::{Verdict, verify};
use demail::protection::analyze;
use demail::stamp::{StampError, stamp};

use common::{data, options, trust};

const GATEWAY: &str = "gw.example.de";

fn stamped(raw: &[u8], id: &str) -> Vec<u8> {
    let envelope = Envelope::parse(raw).unwrap();
    let trust = trust();
    let report = verify(&envelope, &options(&trust));
    let protection = analyze(raw).unwrap();
    stamp(&envelope, id, &report, Some(&protection)).unwrap()
}

fn stamps(message: &[u8]) -> Vec<String> {
    let envelope = Envelope::parse(message).unwrap();
    envelope
        .fields()
        .iter()
        .filter(|f| f.name.eq_ignore_ascii_case("Authentication-Results"))
        .map(|f| String::from_utf8_lossy(f.value).into_owned())
        .collect()
}

#[test]
fn rfc8601_pass_stamp_names_mode_signer_and_protection_and_keeps_the_signature_valid() {
    // RFC 8601 §2.2; TR 01201-3.4 §3.1.21: the field is not signed, so the
    // stamped message verifies as before.
    let raw = data("signed/normal-rsa3072.eml");
    let out = stamped(&raw, GATEWAY);
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(
        text.starts_with(
            "Authentication-Results: gw.example.de;\r\n x-demail=pass policy.mode=signed\r\n policy.signer=\""
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "policy.e2e-signed=none policy.e2e-encrypted=none (the provider can read the content)\r\n"
        ),
        "{text}"
    );
    assert!(
        out.ends_with(&raw),
        "every byte of the message is kept below the stamp"
    );
    let trust = trust();
    let again = verify(&Envelope::parse(&out).unwrap(), &options(&trust));
    assert_eq!(again.verdict, Verdict::Pass);
}

#[test]
fn rfc8601_fail_stamp_carries_the_stable_code_and_the_fc_case() {
    // PVD FU Schritt 48: FC-01 for a changed body.
    let mut raw = data("signed/normal-rsa3072.eml");
    let last = raw.len() - 3;
    raw[last] ^= 0x01;
    let text = String::from_utf8(stamped(&raw, GATEWAY)).unwrap();
    assert!(
        text.contains(" x-demail=fail reason=\"body_hash_mismatch\"\r\n policy.fc=FC-01 policy.mode=signed"),
        "{text}"
    );
}

#[test]
fn rfc8601_missing_integrity_is_result_none() {
    // TR 01201-3.4 §3.1.13: no X-de-mail-integrity field.
    let signed = data("signed/normal-rsa3072.eml");
    let envelope = Envelope::parse(&signed).unwrap();
    let mut raw = Vec::new();
    for field in envelope.fields() {
        if !field.name.eq_ignore_ascii_case("X-de-mail-integrity") {
            raw.extend_from_slice(field.raw);
        }
    }
    raw.extend_from_slice(b"\r\n");
    raw.extend_from_slice(envelope.body());
    let text = String::from_utf8(stamped(&raw, GATEWAY)).unwrap();
    assert!(
        text.contains(" x-demail=none reason=\"missing_integrity\"\r\n policy.fc=FC-01\r\n"),
        "{text}"
    );
}

#[test]
fn rfc8601_stamps_of_several_hops_stack_newest_on_top_and_own_forgeries_go() {
    // RFC 8601 §2.1 (one field per hop, newest on top), §5 (a field that
    // claims this gateway's authserv-id arriving from outside is removed).
    let raw = data("signed/normal-rsa3072.eml");
    let mut forged = b"Authentication-Results: GW.example.de; x-demail=pass\r\n".to_vec();
    forged.extend_from_slice(&stamped(&raw, "hop1.example.org"));
    let out = stamped(&forged, GATEWAY);
    let found = stamps(&out);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].starts_with(" gw.example.de;"), "{found:?}");
    assert!(found[1].starts_with(" hop1.example.org;"), "{found:?}");
}

#[test]
fn rfc8601_authserv_id_that_is_no_domain_name_is_refused() {
    // RFC 8601 §2.5
    let raw = data("signed/normal-rsa3072.eml");
    let envelope = Envelope::parse(&raw).unwrap();
    let trust = trust();
    let report = verify(&envelope, &options(&trust));
    let error = stamp(&envelope, "gw.de\r\nBcc: x@y", &report, None).unwrap_err();
    assert_eq!(error, StampError::AuthservId("gw.de\r\nBcc: x@y".into()));
}
