//! Forwarding and redirection (TR 01201-3.4 §3.2, §3.3, §3.1.22; PVD FU
//! Schritt 50 and 72): the integrity value still verifies, the envelope reads
//! the message in column W/F of Table 1, and nothing but the fields of the
//! operation changes.

use std::time::{Duration, UNIX_EPOCH};

use demail::address::DeMailAddress;
use demail::envelope::Envelope;
use demail::fields::{DateTime, FieldName};
use demail::integrity::{SignOptions, sign};
use demail::integrity::{Verdict, verify};
use demail::resend::{Resend, ResendError, ResendKind, forward, redirect, resend_kind, reset_envelope_to};
use demail::trust::VerifyOptions;
use demail::validate::Rule;

mod common;
use common::{cert, data};

fn resend() -> Resend<'static> {
    Resend::new(
        DeMailAddress::parse("max.mustermann@dmda-a.de-mail.de").unwrap(),
        DeMailAddress::parse("\"Max privat\" <max.privat@dmda-c.de-mail.de>").unwrap(),
        DateTime::parse_rfc5322("Fri, 15 Mar 2024 08:00:00 +0100").unwrap(),
        "fw.4711@mx.dmda-a.de-mail.de",
    )
}

/// Verifies with the test CA as trust anchor at 2026-11-24.
fn verdict(message: &[u8]) -> Verdict {
    let anchors = [cert("ca")];
    let intermediates = [cert("intermediate")];
    let options = VerifyOptions {
        time: UNIX_EPOCH + Duration::from_secs(1_795_478_400),
        trust_anchors: &anchors,
        intermediates: &intermediates,
        ..VerifyOptions::default()
    };
    verify(&Envelope::parse(message).unwrap(), &options).verdict
}

const SIGNED: [&str; 3] = [
    "signed/normal-rsa3072.eml",
    "signed/confirmation-dispatch-bp256.eml",
    "signed/normal-minimal-hash-only.eml",
];

// TR 01201-3.4 §3.2, §3.3: "die in der Signatur enthaltenen Header dürfen
// nicht verändert werden"; PVD FU Schritt 72: no new integrity value.
#[test]
fn integrity_still_verifies_after_forward_and_redirect() {
    for name in SIGNED
        .into_iter()
        .filter(|name| common::build_verifies_sample(name))
    {
        let message = data(name);
        assert_eq!(verdict(&message), Verdict::Pass, "{name} before");
        let forwarded = forward(&message, &resend()).unwrap();
        assert_eq!(verdict(&forwarded), Verdict::Pass, "{name} forwarded");
        let redirected = redirect(&message, &resend()).unwrap();
        assert_eq!(verdict(&redirected), Verdict::Pass, "{name} redirected");
        // Sent on twice: still the same integrity value.
        let mut again = resend();
        again.mailbox = DeMailAddress::parse("max.privat@dmda-c.de-mail.de").unwrap();
        again.new_recipient = DeMailAddress::parse("max.urlaub@dmda-d.de-mail.de").unwrap();
        again.rcpt_to = again.new_recipient.clone();
        let twice = forward(&forwarded, &again).unwrap();
        assert_eq!(verdict(&twice), Verdict::Pass, "{name} forwarded twice");
    }
}

// TR 01201-3.4 Table 1 column W/F (D5); §3.2: Resent-* added, actual
// recipient rewritten.
#[test]
fn forwarded_message_is_read_in_column_w_f_and_validates() {
    for name in SIGNED {
        let message = data(name);
        let original = Envelope::parse(&message).unwrap();
        let forwarded = forward(&message, &resend()).unwrap();
        let envelope = Envelope::parse(&forwarded).unwrap();
        assert!(envelope.is_forwarded(), "{name}");
        assert_eq!(resend_kind(&envelope), Some(ResendKind::Forward));
        assert_eq!(
            envelope.kind(),
            original.kind(),
            "{name}: the column of the original"
        );
        let report = envelope.validate();
        assert!(report.is_valid(), "{name}: {report}");
        let m = envelope.metadata();
        assert_eq!(m.resent_from.as_deref(), Some("max.mustermann@dmda-a.de-mail.de"));
        assert_eq!(
            m.resent_to.as_deref(),
            Some("\"Max privat\" <max.privat@dmda-c.de-mail.de>")
        );
        assert_eq!(m.resent_date.as_deref(), Some("Fri, 15 Mar 2024 08:00:00 +0100"));
        assert_eq!(
            m.resent_message_id.as_deref(),
            Some("<fw.4711@mx.dmda-a.de-mail.de>")
        );
        assert_eq!(m.envelope_to.as_deref(), Some("max.privat@dmda-c.de-mail.de"));
        let actual = m.actual_recipient.as_ref().unwrap();
        assert_eq!(actual.iter().count(), 1);
        assert_eq!(
            actual.iter().next().unwrap().addr_spec(),
            "max.privat@dmda-c.de-mail.de"
        );
        // The chosen recipients are signed and stay.
        assert_eq!(m.chosen_recipient, original.metadata().chosen_recipient, "{name}");
    }
}

// TR 01201-3.4 §3.3; PVD FU §3.1.3.3, Schritt 50 and 67 (D41): a redirect
// carries no "Weiterleitungs-Absender", so the new mailbox issues the
// receipt confirmation; the other Resent-* fields mark it as sent on.
#[test]
fn redirected_message_has_no_resent_from_and_validates() {
    for name in SIGNED {
        let redirected = redirect(&data(name), &resend()).unwrap();
        let envelope = Envelope::parse(&redirected).unwrap();
        assert_eq!(resend_kind(&envelope), Some(ResendKind::Redirect), "{name}");
        assert!(envelope.field(FieldName::ResentFrom).is_none());
        assert!(envelope.field(FieldName::ResentTo).is_some());
        let report = envelope.validate();
        assert!(!report.breaks(Rule::ActualRecipientDiffers), "{name}: {report}");
        assert!(report.is_valid(), "{name}: {report}");
    }
    assert_eq!(
        resend_kind(&Envelope::parse(&data("normal-minimal.eml")).unwrap()),
        None
    );
}

/// A resend by `mailbox` to `new_recipient`.
fn resend_between(mailbox: &str, new_recipient: &str, id: &str) -> Resend<'static> {
    Resend::new(
        DeMailAddress::parse(mailbox).unwrap().into_owned(),
        DeMailAddress::parse(new_recipient).unwrap().into_owned(),
        DateTime::parse_rfc5322("Fri, 15 Mar 2024 08:00:00 +0100").unwrap(),
        id,
    )
}

// RFC 5322 §3.6.6 (newest resent block on top), D41, PVD FU Schritt 67:
// only the newest resent block tells how the message was last sent on. A
// message forwarded A→B and then redirected B→C is a redirect for C's
// provider, which must issue the receipt confirmation, although an older
// block below carries Resent-From.
#[test]
fn resend_kind_reads_only_the_newest_resent_block() {
    let a = "max.mustermann@dmda-a.de-mail.de";
    let b = "max.privat@dmda-c.de-mail.de";
    let c = "max.urlaub@dmda-d.de-mail.de";
    let received = data("signed/normal-minimal-hash-only.eml");

    let forwarded = forward(&received, &resend_between(a, b, "fw.1@mx.dmda-a.de-mail.de")).unwrap();
    let then_redirected = redirect(&forwarded, &resend_between(b, c, "rd.2@mx.dmda-c.de-mail.de")).unwrap();
    let envelope = Envelope::parse(&then_redirected).unwrap();
    assert!(
        envelope.field(FieldName::ResentFrom).is_some(),
        "the older block keeps its Resent-From"
    );
    assert_eq!(resend_kind(&envelope), Some(ResendKind::Redirect));

    let redirected = redirect(&received, &resend_between(a, b, "rd.1@mx.dmda-a.de-mail.de")).unwrap();
    let then_forwarded = forward(&redirected, &resend_between(b, c, "fw.2@mx.dmda-c.de-mail.de")).unwrap();
    assert_eq!(
        resend_kind(&Envelope::parse(&then_forwarded).unwrap()),
        Some(ResendKind::Forward)
    );

    // Blocks separated by trace fields (RFC 5322 §3.6.7), and fields named
    // case-insensitively.
    let separated =
        b"Received: from mx.dmda-c.de-mail.de\r\nresent-date: Fri, 15 Mar 2024 09:00:00 +0100\r\n\
RESENT-TO: c@dmda-d.de-mail.de\r\nReceived: from mx.dmda-a.de-mail.de\r\n\
Resent-Date: Fri, 15 Mar 2024 08:00:00 +0100\r\nResent-From: a@dmda-a.de-mail.de\r\n\
Resent-To: b@dmda-c.de-mail.de\r\nSubject: x\r\n\r\nbody\r\n";
    assert_eq!(
        resend_kind(&Envelope::parse(separated).unwrap()),
        Some(ResendKind::Redirect)
    );
}

/// The fields of `message` other than `Envelope-to`, `Resent-*` and
/// `X-de-mail-actual-recipient`, exactly as they stand.
fn untouched_fields(message: &[u8]) -> Vec<Vec<u8>> {
    let operation = [
        FieldName::EnvelopeTo,
        FieldName::ResentDate,
        FieldName::ResentFrom,
        FieldName::ResentTo,
        FieldName::ResentMessageId,
        FieldName::ActualRecipient,
    ];
    Envelope::parse(message)
        .unwrap()
        .fields()
        .iter()
        .filter(|f| !operation.iter().any(|n| f.has_name(n.as_str())))
        .map(|f| f.raw.to_vec())
        .collect()
}

// TR 01201-3.4 §3.2: "Das Feld To ... darf nicht verändert werden"; the
// content and the signed fields neither; RFC 5322 §3.6.6: the resent block
// is prepended.
#[test]
fn only_the_fields_of_the_operation_change() {
    for name in SIGNED
        .iter()
        .chain(&["forwarded.eml", "notification.eml", "ident.eml"])
    {
        let message = data(name);
        let original = Envelope::parse(&message).unwrap();
        for (kind, out) in [
            ("forward", forward(&message, &resend())),
            ("redirect", redirect(&message, &resend())),
        ] {
            let out = out.unwrap();
            let envelope = Envelope::parse(&out).unwrap();
            assert_eq!(
                untouched_fields(&out),
                untouched_fields(&message),
                "{name} {kind}"
            );
            assert_eq!(envelope.body(), original.body(), "{name} {kind}");
            assert_eq!(
                envelope.field(FieldName::From).map(|f| f.raw),
                original.field(FieldName::From).map(|f| f.raw)
            );
            let top: Vec<&str> = envelope.fields().iter().take(4).map(|f| f.name).collect();
            let expected: &[&str] = if kind == "forward" {
                &["Envelope-to", "Resent-Date", "Resent-From", "Resent-To"]
            } else {
                &["Envelope-to", "Resent-Date", "Resent-To", "Resent-Message-ID"]
            };
            assert_eq!(top, expected, "{name} {kind}");
        }
    }
}

// TR 01201-3.4 §3.1.22: every existing Envelope-to is removed, then one is
// set from the SMTP rcpt-to.
#[test]
fn envelope_to_is_reset_from_rcpt_to() {
    let mut message = b"Envelope-to: a@x.de-mail.de\r\nEnvelope-To: b@x.de-mail.de\r\n".to_vec();
    message.extend_from_slice(&data("signed/normal-minimal-hash-only.eml"));
    let rcpt = DeMailAddress::parse("max.mustermann@dmda-a.de-mail.de").unwrap();
    let out = reset_envelope_to(&message, &rcpt).unwrap();
    let envelope = Envelope::parse(&out).unwrap();
    let envelope_to: Vec<&[u8]> = envelope
        .fields()
        .iter()
        .filter(|f| f.has_name("Envelope-to"))
        .map(|f| f.raw)
        .collect();
    assert_eq!(
        envelope_to,
        [&b"Envelope-to: max.mustermann@dmda-a.de-mail.de\r\n"[..]]
    );
    assert_eq!(verdict(&out), Verdict::Pass);

    let mut resend = resend();
    resend.rcpt_to = DeMailAddress::parse("relay@dmda-c.de-mail.de").unwrap();
    let forwarded = forward(&message, &resend).unwrap();
    let envelope = Envelope::parse(&forwarded).unwrap();
    assert_eq!(
        envelope
            .fields()
            .iter()
            .filter(|f| f.has_name("envelope-to"))
            .count(),
        1
    );
    assert_eq!(
        envelope.metadata().envelope_to.as_deref(),
        Some("relay@dmda-c.de-mail.de")
    );
}

// TR 01201-3.4 §3.1.15: duplicates of the actual recipient are replaced too,
// so no reader (first or last wins) sees the old address.
#[test]
fn every_actual_recipient_field_is_replaced() {
    let message = sign(&data("normal-minimal.eml"), &SignOptions::hash_only()).unwrap();
    let mut doubled = message.clone();
    let at = doubled.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 2;
    doubled.splice(
        at..at,
        b"X-de-mail-actual-recipient: to=stale.address@dmda-a.de-mail.de\r\n"
            .iter()
            .copied(),
    );
    let out = forward(&doubled, &resend()).unwrap();
    assert!(!out.windows(13).any(|w| w == b"stale.address"));
    let text = String::from_utf8(out.clone()).unwrap();
    assert_eq!(text.matches("x-de-mail-actual-recipient:").count(), 1);
    assert_eq!(verdict(&out), Verdict::Pass);
}

// PVD FU Schritt 50 and 72, FC-01: forwarding loop.
#[test]
fn forwarding_loop_is_refused() {
    let message = data("signed/normal-minimal-hash-only.eml");
    let forwarded = forward(&message, &resend()).unwrap();
    // Back to an address the message was already sent on to.
    let mut back = resend();
    back.mailbox = DeMailAddress::parse("other@dmda-c.de-mail.de").unwrap();
    assert_eq!(
        forward(&forwarded, &back),
        Err(ResendError::Loop("max.privat@dmda-c.de-mail.de".into()))
    );
    // To the forwarding mailbox itself.
    let mut own = resend();
    own.new_recipient = own.mailbox.clone();
    assert!(matches!(redirect(&message, &own), Err(ResendError::Loop(_))));
}

// PVD FU §3.1.3.2: a message with retrieve confirmation is not forwarded (a
// notification goes to the forwarding address); §3.1.3.3: a redirect is.
#[test]
fn retrieve_confirmation_message_is_redirected_but_not_forwarded() {
    let message = String::from_utf8(data("normal-minimal.eml")).unwrap().replace(
        "x-de-mail-confirmation-of-retrieve: no",
        "x-de-mail-confirmation-of-retrieve: yes",
    );
    assert_eq!(
        forward(message.as_bytes(), &resend()),
        Err(ResendError::RetrieveConfirmationRequested)
    );
    assert!(redirect(message.as_bytes(), &resend()).is_ok());
}

// TR 01201-3.4 §3.2: the element of the forwarding mailbox is kept.
#[test]
fn new_actual_recipient_keeps_the_element_of_the_mailbox() {
    let message = String::from_utf8(data("normal-minimal.eml")).unwrap().replace(
        "x-de-mail-actual-recipient: to=max.mustermann@dmda-a.de-mail.de",
        "x-de-mail-actual-recipient: cc=max.mustermann@dmda-a.de-mail.de",
    );
    let out = forward(message.as_bytes(), &resend()).unwrap();
    let envelope = Envelope::parse(&out).unwrap();
    let actual = envelope.metadata().actual_recipient.as_ref().unwrap();
    assert!(actual.to.is_empty());
    assert_eq!(actual.cc[0].addr_spec(), "max.privat@dmda-c.de-mail.de");
}

#[test]
fn input_that_is_not_a_mail_is_a_typed_error() {
    assert!(matches!(forward(b"", &resend()), Err(ResendError::Header(_))));
    assert!(matches!(
        redirect(b"no header\r\n", &resend()),
        Err(ResendError::Header(_))
    ));
}

// PVD FU Schritt 72 (FC-01), ACM §2.1.3: the loop check compares addresses
// case-insensitively and knows the mailboxes the message was sent on from:
// A → B → a is a loop, and so is A → B → A.
#[test]
fn forwarding_loop_is_detected_case_insensitively() {
    let message = data("signed/normal-minimal-hash-only.eml");
    let a = DeMailAddress::parse("max.mustermann@dmda-a.de-mail.de").unwrap();
    let b = DeMailAddress::parse("max.privat@dmda-c.de-mail.de").unwrap();
    let date = DateTime::parse_rfc5322("Fri, 15 Mar 2024 08:00:00 +0100").unwrap();
    let first = forward(
        &message,
        &Resend::new(a.clone(), b.clone(), date, "fw.1@mx.dmda-a.de-mail.de"),
    )
    .unwrap();
    for back in [
        "Max.Mustermann@DMDA-A.de-mail.de",
        "max.mustermann@dmda-a.de-mail.de",
    ] {
        let back = DeMailAddress::parse(back).unwrap();
        let resend = Resend::new(b.clone(), back, date, "fw.2@mx.dmda-c.de-mail.de");
        assert!(
            matches!(forward(&first, &resend), Err(ResendError::Loop(_))),
            "{}",
            resend.new_recipient
        );
        assert!(matches!(redirect(&first, &resend), Err(ResendError::Loop(_))));
    }
    // B → b (the same mailbox in capitals) is a loop as well.
    let upper = DeMailAddress::parse("MAX.PRIVAT@dmda-c.de-mail.de").unwrap();
    let own = Resend::new(b.clone(), upper, date, "fw.3@mx.dmda-c.de-mail.de");
    assert!(matches!(forward(&first, &own), Err(ResendError::Loop(_))));
    // A third mailbox is no loop.
    let c = DeMailAddress::parse("max.buero@dmda-d.de-mail.de").unwrap();
    assert!(forward(&first, &Resend::new(b, c, date, "fw.4@mx.dmda-c.de-mail.de")).is_ok());
}
