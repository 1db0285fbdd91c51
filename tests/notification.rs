//! Notification messages (Meldungsnachrichten, TR 01201-3.4 §3.5.2,
//! §3.1.20, Table 1 column M; PVD FU §4.3, Schritt 45, 56).
#![cfg(feature = "provider")]

use std::path::{Path, PathBuf};

use demail::address::DeMailAddress;
use demail::certificate::Certificate;
use demail::crypto::SigningKey;
use demail::envelope::Envelope;
use demail::fields::{DateTime, FieldName, MessageKind, MessageType, NotificationType};
use demail::integrity::{IntegrityMode, verify};
use demail::notification::{
    NotificationError, NotificationKind, NotificationRequest, build_notification, read_notification,
};
use demail::provider::{BuildError, Issuer};
use demail::signer::CertifiedKey;
use demail::trust::VerifyOptions;
use demail::validate::Mode;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn original() -> Vec<u8> {
    std::fs::read(data("normal.eml")).unwrap()
}

fn issuer(kind: NotificationKind) -> Issuer {
    Issuer::new(
        "DMDA B GmbH",
        DeMailAddress::parse(&format!("{}@dmda-b.de-mail.de", kind.system_local_part())).unwrap(),
    )
}

fn at() -> DateTime {
    DateTime::parse_rfc5322("Tue, 12 Mar 2024 09:15:07 +0100").unwrap()
}

// TR 01201-3.4 §3.5.2, §3.1.20 and Table 1 column M: every kind is a valid
// notification from the system address, and reads back as that kind.
#[test]
fn every_kind_is_a_valid_notification_from_the_system_address() {
    let raw = original();
    let original = Envelope::parse(&raw).unwrap();
    for kind in NotificationKind::ALL {
        let issuer = issuer(kind);
        let mut request = NotificationRequest::new(kind, &issuer, at());
        request.recipient = Some(DeMailAddress::parse("erika.mustermann@dmda-b.de-mail.de").unwrap());
        request.reason = Some("Prüfergebnis: Empfänger unbekannt".into());
        let built = build_notification(&original, &request, None).unwrap();
        let parsed = Envelope::parse(&built).unwrap();
        assert_eq!(parsed.kind(), Some(MessageKind::Notification), "{kind:?}");
        let report = parsed.validate();
        assert!(report.accepts(Mode::Strict), "{kind:?}: {report:?}");
        let m = parsed.metadata();
        assert_eq!(m.message_type, Some(kind.message_type()));
        assert_eq!(m.notification_type, Some(kind.notification_type()));
        assert_eq!(m.sender.as_ref().unwrap().local_part, kind.system_local_part());
        // FU Schritt 45, 56: private id copied, no options.
        assert_eq!(m.private_id, original.metadata().private_id);
        assert_eq!(m.private, None);
        let received = read_notification(&built).unwrap();
        assert_eq!(received.kind, kind);
        assert_eq!(received.message.sender, "DMDA B GmbH");
        assert!(received.message.subject.contains("Anhörung über Straßenbau"));
        assert!(
            received
                .message
                .text
                .contains("erika.mustermann@dmda-b.de-mail.de")
        );
        assert!(received.message.text.contains("Prüfergebnis"));
        assert_eq!(received.message.time, at());
    }
}

#[test]
fn malware_notification_is_its_own_message_type() {
    // Table 12; FU §4.3: Schadsoftware-Warnung@; Schritt 56: to sender and recipients.
    assert_eq!(
        NotificationKind::Malware.message_type(),
        MessageType::MalwareNotification
    );
    assert_eq!(
        NotificationKind::Malware.notification_type(),
        NotificationType::Other
    );
    let raw = original();
    let issuer = issuer(NotificationKind::Malware);
    let request = NotificationRequest::new(NotificationKind::Malware, &issuer, at());
    let built = build_notification(&Envelope::parse(&raw).unwrap(), &request, None).unwrap();
    let parsed = Envelope::parse(&built).unwrap();
    let recipients = parsed.metadata().chosen_recipient.clone().unwrap();
    assert_eq!(
        recipients.to[0].addr_spec(),
        "bauamt@stadt-musterstadt.de-mail.de"
    );
    assert_eq!(recipients.cc.len(), 4);
}

#[test]
fn notification_types_of_table_22_by_name() {
    for kind in NotificationKind::ALL {
        assert_eq!(NotificationKind::parse(kind.as_str()), Some(kind));
    }
    assert_eq!(NotificationKind::parse("closed account"), None);
    // FU Schritt 41: a notification without a valid type is taken as `other`.
    assert_eq!(
        NotificationKind::from_fields(MessageType::Notification, None),
        Some(NotificationKind::Other)
    );
    assert_eq!(NotificationKind::from_fields(MessageType::Normal, None), None);
}

#[test]
fn wrong_system_address_is_refused() {
    let raw = original();
    let issuer = issuer(NotificationKind::Malware);
    let request = NotificationRequest::new(NotificationKind::UnknownRecipient, &issuer, at());
    let err = build_notification(&Envelope::parse(&raw).unwrap(), &request, None).unwrap_err();
    assert!(matches!(
        err,
        BuildError::SystemAddress {
            expected: "Meldung",
            ..
        }
    ));
}

#[test]
fn signed_notification_verifies() {
    let read = |name: &str| std::fs::read_to_string(data(&format!("keys/{name}"))).unwrap();
    let key = SigningKey::from_pkcs8_pem(&read("p256.key.pem")).unwrap();
    let cert = Certificate::from_pem(&read("p256.cert.pem")).unwrap();
    let signer = CertifiedKey::new(key, cert).unwrap();
    let raw = original();
    let issuer = issuer(NotificationKind::ClosedAccount);
    let request = NotificationRequest::new(NotificationKind::ClosedAccount, &issuer, at());
    let built = build_notification(&Envelope::parse(&raw).unwrap(), &request, Some(&signer)).unwrap();
    let parsed = Envelope::parse(&built).unwrap();
    let report = verify(&parsed, &VerifyOptions::default());
    assert_eq!(report.mode, Some(IntegrityMode::Signed));
    assert_eq!(report.header_ok, Some(true));
    assert!(parsed.field(FieldName::SignatureCertificate).is_some());
}

#[test]
fn reading_refuses_other_messages() {
    assert!(matches!(
        read_notification(&original()),
        Err(NotificationError::NotANotification(t)) if t == "normal"
    ));
    // A notification vector without XML part.
    let raw = std::fs::read(data("notification.eml")).unwrap();
    assert!(matches!(
        read_notification(&raw),
        Err(NotificationError::XmlMissing)
    ));
}

// PVD FU Schritt 45, D57: an original from a system address (a confirmation
// or notification) is deleted, no notification is sent about it.
#[test]
fn no_notification_about_a_message_from_a_system_address_schritt_45() {
    let raw = std::fs::read(data("confirmation-dispatch.eml")).unwrap();
    let issuer = issuer(NotificationKind::InvalidFormat);
    let request = NotificationRequest::new(NotificationKind::InvalidFormat, &issuer, at());
    let err = build_notification(&Envelope::parse(&raw).unwrap(), &request, None).unwrap_err();
    let BuildError::SystemAddressee { address } = &err else {
        panic!("{err:?}");
    };
    assert!(address.starts_with("Versandbestaetigung@"), "{address}");
    assert!(err.to_string().contains("Schritt 45"), "{err}");
}

// PVD FU Schritt 45, D57: no notification goes to a system address, even
// when the original names one as its Reply-To.
#[test]
fn no_notification_to_a_system_address_schritt_45() {
    let raw = String::from_utf8(original()).unwrap().replacen(
        "Reply-To: \"Stadt Musterstadt, Bauamt\" <bauamt@stadt-musterstadt.de-mail.de>",
        "Reply-To: meldung@dmda-a.de-mail.de",
        1,
    );
    assert!(raw.contains("Reply-To: meldung@"));
    for kind in NotificationKind::ALL {
        let issuer = issuer(kind);
        let request = NotificationRequest::new(kind, &issuer, at());
        let err = build_notification(&Envelope::parse(raw.as_bytes()).unwrap(), &request, None).unwrap_err();
        assert_eq!(
            err,
            BuildError::SystemAddressee {
                address: "meldung@dmda-a.de-mail.de".into()
            }
        );
    }
}
