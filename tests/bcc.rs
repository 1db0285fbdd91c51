//! BCC fan-out (TR 01201-3.4 §3.1.8, §3.1.21 condition 2): one copy for the
//! to/cc recipients without any BCC entry, one per BCC recipient holding only
//! its own entry, each with its own integrity value; no BCC address leaks
//! into a copy meant for someone else.

use std::time::{Duration, UNIX_EPOCH};

use proptest::prelude::*;

use demail::bcc::{Addressee, SplitError, split_bcc, split_bcc_each};
use demail::envelope::Envelope;
use demail::integrity::{SignOptions, sign};
use demail::integrity::{Verdict, verify};
use demail::trust::VerifyOptions;

mod common;
use common::{cert, signer, text as data};
mod xmldsig_common;

/// normal-minimal.eml with the given recipients in chosen and actual
/// recipient, `To`, `Cc`, a plain `Bcc` field and one `Envelope-to` per
/// recipient (as an MTA may have written them).
fn outgoing(to: &[String], cc: &[String], bcc: &[String]) -> Vec<u8> {
    let mut envelope_to = String::new();
    for address in to.iter().chain(cc).chain(bcc) {
        envelope_to.push_str(&format!("Envelope-to: {address}\r\n"));
    }
    let mut list = Vec::new();
    for (key, addresses) in [("to", to), ("cc", cc), ("bcc", bcc)] {
        if !addresses.is_empty() {
            list.push(format!("{key}={}", addresses.join(", ")));
        }
    }
    let list = list.join("; ");
    let mut header = String::new();
    if !to.is_empty() {
        header.push_str(&format!("To: {}\r\n", to.join(", ")));
    }
    if !cc.is_empty() {
        header.push_str(&format!("Cc: {}\r\n", cc.join(", ")));
    }
    if !bcc.is_empty() {
        header.push_str(&format!("Bcc: {}\r\n", bcc.join(", ")));
    }
    let message = data("normal-minimal.eml")
        .replace("To: max.mustermann@dmda-a.de-mail.de\r\n", &header)
        .replace(
            "x-de-mail-chosen-recipient: to=max.mustermann@dmda-a.de-mail.de",
            &format!("x-de-mail-chosen-recipient: {list}"),
        )
        .replace(
            "x-de-mail-actual-recipient: to=max.mustermann@dmda-a.de-mail.de",
            &format!("x-de-mail-actual-recipient: {list}"),
        );
    format!("{envelope_to}{message}").into_bytes()
}

/// The message without its `Envelope-to` fields.
fn without_envelope_to(message: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(message.to_vec()).unwrap();
    let (header, body) = text.split_once("\r\n\r\n").unwrap();
    let header: Vec<&str> = header
        .split("\r\n")
        .filter(|line| !line.to_ascii_lowercase().starts_with("envelope-to:"))
        .collect();
    format!("{}\r\n\r\n{body}", header.join("\r\n")).into_bytes()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    let haystack = String::from_utf8_lossy(haystack).to_ascii_lowercase();
    haystack.contains(&needle.to_ascii_lowercase())
}

fn addresses(prefix: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("{prefix}{i}@dmda-{i}.de-mail.de"))
        .collect()
}

/// Checks every promise of the fan-out for one message.
fn check_split(to: &[String], cc: &[String], bcc: &[String]) {
    let message = outgoing(to, cc, bcc);
    let copies = split_bcc(&message, &SignOptions::hash_only()).unwrap();
    let has_to_cc = !to.is_empty() || !cc.is_empty();
    assert_eq!(copies.len(), usize::from(has_to_cc) + bcc.len());
    let original_body = Envelope::parse(&message).unwrap().body().to_vec();
    for copy in &copies {
        let envelope = Envelope::parse(&copy.message).unwrap();
        // Its own integrity value, which verifies.
        assert_eq!(
            verify(&envelope, &VerifyOptions::default()).verdict,
            Verdict::Pass
        );
        assert!(envelope.validate().is_valid(), "{}", envelope.validate());
        assert_eq!(envelope.body(), original_body.as_slice());
        assert!(!copy.message.windows(5).any(|w| w.eq_ignore_ascii_case(b"\nBcc:")));
        // §3.1.22: Envelope-to is reset on receipt, so no copy carries one
        // (it would list every recipient, BCC ones included).
        assert!(!contains(&copy.message, "Envelope-to:"));
        let chosen = envelope.metadata().chosen_recipient.clone().unwrap();
        let actual = envelope.metadata().actual_recipient.clone().unwrap();
        assert_eq!(chosen, actual, "§3.1.15: initial state");
        match &copy.addressee {
            Addressee::ToCc => {
                assert!(chosen.bcc.is_empty());
                assert_eq!(chosen.to.len(), to.len());
                assert_eq!(chosen.cc.len(), cc.len());
                for secret in bcc {
                    assert!(!contains(&copy.message, secret), "{secret} leaks to to/cc");
                }
            }
            Addressee::Bcc(address) => {
                assert!(chosen.to.is_empty() && chosen.cc.is_empty());
                assert_eq!(chosen.bcc.len(), 1);
                assert!(chosen.bcc[0].same_mailbox(address));
                for other in bcc.iter().filter(|b| **b != address.addr_spec()) {
                    assert!(!contains(&copy.message, other), "{other} leaks to {address}");
                }
            }
        }
    }
    // Different recipient lists give different integrity values.
    let integrity: Vec<_> = copies
        .iter()
        .map(|c| Envelope::parse(&c.message).unwrap().metadata().integrity.clone())
        .collect();
    for (i, a) in integrity.iter().enumerate() {
        assert!(integrity[i + 1..].iter().all(|b| b != a));
    }
}

// TR 01201-3.4 §3.1.8, §3.1.21 condition 2: without BCC, one copy whose
// header is the original's byte for byte (less Envelope-to, D43), hashed.
#[test]
fn without_bcc_one_copy_equal_to_signing_the_original() {
    let message = outgoing(&addresses("to", 2), &addresses("cc", 1), &[]);
    let copies = split_bcc(&message, &SignOptions::hash_only()).unwrap();
    assert_eq!(copies.len(), 1);
    assert_eq!(copies[0].addressee, Addressee::ToCc);
    let expected = sign(&without_envelope_to(&message), &SignOptions::hash_only()).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&copies[0].message),
        String::from_utf8_lossy(&expected)
    );
    check_split(&addresses("to", 2), &addresses("cc", 1), &[]);
}

// TR 01201-3.4 §3.1.8: one BCC recipient.
#[test]
fn one_bcc_recipient_gets_a_copy_with_only_its_own_entry() {
    check_split(&addresses("to", 1), &[], &addresses("secret", 1));
    check_split(&[], &addresses("cc", 2), &addresses("secret", 1));
}

// TR 01201-3.4 §3.1.8: many BCC recipients, none sees another.
#[test]
fn many_bcc_recipients_do_not_see_each_other() {
    check_split(&addresses("to", 3), &addresses("cc", 2), &addresses("secret", 12));
}

// TR 01201-3.4 §3.1.8: only BCC recipients: no to/cc copy (an empty
// recipient list is not allowed, §3.1.8 D2).
#[test]
fn only_bcc_recipients_give_only_bcc_copies() {
    let copies = split_bcc(
        &outgoing(&[], &[], &addresses("secret", 3)),
        &SignOptions::hash_only(),
    )
    .unwrap();
    assert_eq!(copies.len(), 3);
    assert!(copies.iter().all(|c| matches!(c.addressee, Addressee::Bcc(_))));
    check_split(&[], &[], &addresses("secret", 3));
}

// TR 01201-3.4 §3.1.8, §3.1.22 (D43): Envelope-to, which an MTA may have
// filled with every recipient, BCC ones included, is dropped from every
// copy; it is reset from the SMTP rcpt-to on receipt anyway.
#[test]
fn envelope_to_is_dropped_from_every_copy() {
    let secrets = addresses("secret", 2);
    let message = outgoing(&addresses("to", 1), &[], &secrets);
    assert!(contains(&message, "Envelope-to: secret0@"));
    let copies = split_bcc(&message, &SignOptions::hash_only()).unwrap();
    assert_eq!(copies.len(), 3);
    for copy in &copies {
        let envelope = Envelope::parse(&copy.message).unwrap();
        assert_eq!(envelope.metadata().envelope_to, None, "{:?}", copy.addressee);
        if copy.addressee == Addressee::ToCc {
            assert!(secrets.iter().all(|s| !contains(&copy.message, s)));
        }
    }
}

#[test]
fn the_same_bcc_mailbox_twice_gets_one_copy() {
    let bcc = vec![
        "secret@dmda-c.de-mail.de".to_string(),
        "\"Geheim\" <secret@DMDA-C.de-mail.de>".to_string(),
    ];
    let copies = split_bcc(
        &outgoing(&addresses("to", 1), &[], &bcc),
        &SignOptions::hash_only(),
    )
    .unwrap();
    assert_eq!(copies.len(), 2);
}

// TR 01201-3.4 §3.1.8: "Hashwert und Signatur ... mehrfach berechnet":
// signed copies, each verifying with the provider certificate.
#[test]
fn each_copy_gets_its_own_signature() {
    let message = outgoing(&addresses("to", 1), &[], &addresses("secret", 2));
    let copies = split_bcc(&message, &SignOptions::signed(&signer("p256"))).unwrap();
    assert_eq!(copies.len(), 3);
    let anchors = [cert("ca")];
    let intermediates = [cert("intermediate")];
    let options = VerifyOptions {
        time: UNIX_EPOCH + Duration::from_secs(1_795_478_400),
        trust_anchors: &anchors,
        intermediates: &intermediates,
        ..VerifyOptions::default()
    };
    for copy in &copies {
        let report = verify(&Envelope::parse(&copy.message).unwrap(), &options);
        assert_eq!(report.verdict, Verdict::Pass, "{:?}", copy.addressee);
    }
}

/// `Message-ID` (without brackets) and `X-de-mail-message-id` of a copy.
fn message_ids(message: &[u8]) -> (String, String) {
    let envelope = Envelope::parse(message).unwrap();
    let metadata = envelope.metadata();
    let id = metadata.message_id.as_deref().unwrap();
    let id = id.trim().trim_start_matches('<').trim_end_matches('>').to_owned();
    (id, metadata.demail_message_id.as_deref().unwrap().to_owned())
}

// PVD FU Schritt 29 b, TR 01201-3.4 §3.1.18, D58: each BCC copy is its own
// message with its own unique Message-ID and X-de-mail-message-id (the same
// value in both, as in the original); the to/cc copy keeps the original's.
#[test]
fn each_bcc_copy_gets_its_own_message_id_schritt_29_b() {
    let message = outgoing(&addresses("to", 1), &[], &addresses("secret", 3));
    let original = message_ids(&message);
    let copies = split_bcc(&message, &SignOptions::hash_only()).unwrap();
    assert_eq!(copies.len(), 4);
    let ids: Vec<(String, String)> = copies.iter().map(|c| message_ids(&c.message)).collect();
    assert_eq!(copies[0].addressee, Addressee::ToCc);
    assert_eq!(ids[0], original);
    for (i, (id, demail_id)) in ids.iter().enumerate() {
        assert_eq!(id, demail_id, "Message-ID repeats X-de-mail-message-id");
        assert!(ids[i + 1..].iter().all(|other| other.0 != *id), "{id} twice");
        let envelope = Envelope::parse(&copies[i].message).unwrap();
        // One field of each, and the copy still verifies (both are in h=).
        for name in ["Message-ID", "x-de-mail-message-id"] {
            assert_eq!(envelope.fields().iter().filter(|f| f.has_name(name)).count(), 1);
        }
        assert_eq!(
            verify(&envelope, &VerifyOptions::default()).verdict,
            Verdict::Pass
        );
        if i > 0 {
            assert!(id.ends_with("@mx.dmda-b.de-mail.de"), "{id}");
            assert!(id.starts_with("20240314180241.1c9e02.bcc-"), "{id}");
        }
    }
    // Reproducible: the same split gives the same ids.
    let again: Vec<_> = split_bcc(&message, &SignOptions::hash_only())
        .unwrap()
        .iter()
        .map(|c| message_ids(&c.message))
        .collect();
    assert_eq!(again, ids);
}

// D58, cross-checked with openssl: the 16 hex digits of a BCC copy's id are
// the start of SHA-256 over the original id, NUL, and the recipient address.
#[test]
fn bcc_message_id_digits_are_sha256_of_id_and_recipient_by_openssl() {
    if !xmldsig_common::tool_available("openssl") {
        return;
    }
    let message = outgoing(&addresses("to", 1), &[], &addresses("secret", 1));
    let copies = split_bcc(&message, &SignOptions::hash_only()).unwrap();
    let (id, _) = message_ids(&copies[1].message);
    let mut child = std::process::Command::new("openssl")
        .args(["dgst", "-sha256", "-r"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"20240314180241.1c9e02@mx.dmda-b.de-mail.de\0secret0@dmda-0.de-mail.de")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let hex = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        id,
        format!("20240314180241.1c9e02.bcc-{}@mx.dmda-b.de-mail.de", &hex[..16])
    );
}

#[test]
fn missing_chosen_recipient_is_a_typed_error() {
    let message = data("normal-minimal.eml").replace("x-de-mail-chosen-recipient", "x-other");
    assert_eq!(
        split_bcc(message.as_bytes(), &SignOptions::hash_only()),
        Err(SplitError::NoChosenRecipient)
    );
    assert!(matches!(
        split_bcc(b"", &SignOptions::hash_only()),
        Err(SplitError::Header(_))
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    // TR 01201-3.4 §3.1.8: for any recipients, no BCC address reaches
    // anyone but its owner, and every copy verifies.
    #[test]
    fn no_bcc_address_leaks(to in 0usize..4, cc in 0usize..3, bcc in 0usize..6) {
        prop_assume!(to + cc + bcc > 0);
        check_split(&addresses("to", to), &addresses("cc", cc), &addresses("secret", bcc));
    }
}

// Issue 15 §3: the fan-out streams. `split_bcc_each` hands over each copy as
// soon as it is made, in the order `split_bcc` returns them, and stops at the
// first error of the callback (no further copy is signed).
#[test]
fn copies_are_streamed_one_at_a_time_and_the_callback_can_stop_the_fan_out() {
    let message = outgoing(&addresses("to", 1), &[], &addresses("bcc", 5));
    let options = SignOptions::hash_only();
    let all = split_bcc(&message, &options).unwrap();
    let mut streamed = Vec::new();
    let count = split_bcc_each(&message, &options, |copy| {
        streamed.push(copy);
        Ok::<(), SplitError>(())
    })
    .unwrap();
    assert_eq!((count, &streamed), (all.len(), &all));

    let mut seen = 0;
    let stopped = split_bcc_each(&message, &options, |_| {
        seen += 1;
        if seen == 2 {
            Err(SplitError::NoChosenRecipient)
        } else {
            Ok(())
        }
    });
    assert_eq!(stopped, Err(SplitError::NoChosenRecipient));
    assert_eq!(seen, 2, "no copy after the callback's error");
}
