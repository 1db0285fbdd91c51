//! Ident confirmations (Ident-Bestätigungen, TR 01201 ID IO §2; PVD IO
//! Table 1 column I, §3.4.1): ident cards, the signed SAML 2.0 assertion
//! that carries one, building the message, and checking a received one.
//!
//! Needs the cargo feature `provider`, a default feature.
//!
//! A provider (DMDA) confirms to a service provider, with a qualified
//! signature, who holds a De-Mail address: the message from
//! `Ident-Bestaetigung@<DMDA>` goes to the service provider, in copy to the
//! orderer, and carries a German text listing every attribute, the signed
//! assertion (`Ident-Bestaetigung.xml`) and a PDF presentation; the whole
//! message is signed with the integrity layer (§3.1.21).
//!
//! ```
//! use demail::address::DeMailAddress;
//! use demail::certificate::Certificate;
//! use demail::provider::Issuer;
//! use demail::crypto::SigningKey;
//! use demail::fields::DateTime;
//! use demail::ident::{CardField, CardType, IdentCard, IdentRequest, build_ident_confirmation, check_ident_confirmation};
//! use demail::signer::CertifiedKey;
//! use demail::trust::VerifyOptions;
//!
//! let key = SigningKey::from_pkcs8_pem(&std::fs::read_to_string("tests/data/keys/p256.key.pem")?)?;
//! let certificate = Certificate::from_pem(&std::fs::read_to_string("tests/data/keys/p256.cert.pem")?)?;
//! let signer = CertifiedKey::new(key, certificate)?;
//! let anchors = Certificate::all_from_pem(&std::fs::read_to_string("tests/data/keys/ca.cert.pem")?)?;
//! let intermediates = [Certificate::from_pem(&std::fs::read_to_string("tests/data/keys/intermediate.cert.pem")?)?];
//!
//! let checked = DateTime::parse_rfc3339("2026-11-20T10:00:00Z").unwrap();
//! let holder = "max.mustermann@dmda-a.de-mail.de";
//! let card = IdentCard::new(CardType::DeMailAddress, vec![CardField::new("de-mail-address", holder, checked)])?;
//! let issuer = Issuer::new("DMDA A", DeMailAddress::parse("Ident-Bestaetigung@dmda-a.de-mail.de")?);
//! let time = DateTime::parse_rfc5322("Fri, 20 Nov 2026 10:05:00 +0100").unwrap();
//! let request = IdentRequest::new(
//!     &card,
//!     &issuer,
//!     DeMailAddress::parse(holder)?,
//!     DeMailAddress::parse("bank@bank.de-mail.de")?,
//!     time,
//! );
//! let message = build_ident_confirmation(&request, &signer)?;
//!
//! let options = VerifyOptions { trust_anchors: &anchors, intermediates: &intermediates, ..VerifyOptions::default() };
//! let report = check_ident_confirmation(&message, Some("bank@bank.de-mail.de"), &options)?;
//! assert!(report.passed(), "{report}");
//! assert_eq!(report.assertion.unwrap().card.card_type(), CardType::DeMailAddress);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod assertion;
mod card;
mod check;
mod message;

pub use assertion::{
    AssertionError, EMAIL_FORMAT, IdentAssertion, SAML_NS, VerifiedAssertion, XSI_NS, verify_assertion,
};
pub use card::{CardError, CardField, CardType, FieldSpec, IDENT_NS, IdentCard, ValueType};
pub use check::{
    IdentCheckError, IdentMismatch, IdentMismatchCode, IdentReadError, IdentReport, check_ident_confirmation,
    read_ident_confirmation,
};
pub use message::{
    ASSERTION_FILE, DEFAULT_AUTHN_CONTEXT, IdentBuildError, IdentRequest, SUBJECT,
    assemble_ident_confirmation, build_ident_confirmation, ident_assertion, ident_text,
};
