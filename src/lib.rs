//! # demail
//!
//! The German De-Mail message formats of BSI TR 01201: the typed metadata of
//! a De-Mail message, its validation, and building and serializing it.
//!
//! A De-Mail message is an RFC 5322 mail whose processing is steered by
//! `X-de-mail-*` header fields (TR 01201-3.4 §3.1): sender, chosen and actual
//! recipients, options such as confirmation of dispatch, `private` and
//! `authoritative`, auth level, message type and version. This crate reads
//! those fields in one pass over the header section, borrowing from the input
//! and keeping every field's exact bytes (which the integrity hash of
//! §3.1.21 needs), without a MIME parse of the body.
//!
//! ```
//! use demail::fields::MessageKind;
//! use demail::{Envelope, Mode};
//!
//! let raw = std::fs::read("tests/data/normal.eml")?;
//! let envelope = Envelope::parse(&raw)?;
//! assert_eq!(envelope.kind(), Some(MessageKind::Normal));
//! let metadata = envelope.metadata();
//! println!("from {:?} to {:?}", metadata.sender, metadata.chosen_recipient);
//! assert!(envelope.validate().accepts(Mode::Strict));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## The API by task
//! The crate root re-exports the entry points a service uses:
//! [`Envelope`], [`Mode`], [`Report`], [`sign`], [`SignOptions`], [`verify()`],
//! [`VerifyOptions`], [`VerificationReport`], [`build_confirmation`],
//! [`check_confirmation`], [`build_notification`], [`read_notification`],
//! [`Issuer`] (the provider that builds them), [`DateTime`] (the one date
//! type), [`Certificate`], [`SigningKey`], the [`Signer`] that pairs a key
//! with its certificate ([`CertifiedKey`]) and [`Verifier`] (the owned,
//! shareable verifier of a service).
//!
//! - **Reading a message**: [`envelope::Envelope::parse`] gives the typed
//!   [`metadata::Metadata`], the raw fields ([`header::RawField`]), field
//!   errors and warnings (duplicates: the first from the top wins, §3.1.1).
//! - **Validating**: [`envelope::Envelope::validate`] checks the presence
//!   matrix of Table 1 ([`validate::TABLE_1`]), the field syntaxes, the option
//!   rules of PVD FU and the address rules of ACM, and returns every
//!   [`validate::Violation`]; [`validate::Mode`] chooses strict or lenient.
//! - **Addresses**: [`address::DeMailAddress`] and [`address::RecipientList`].
//! - **Field values**: [`fields`] (message types, auth level, version...);
//!   dates and times everywhere, the XML's `xs:dateTime` included, are
//!   [`fields::DateTime`] (RFC 5322, RFC 3339, `SystemTime`, German text).
//! - **Writing**: [`metadata::Metadata::to_header_block`] serializes the
//!   header block; [`builder::MessageDraft`] builds a whole normal message.
//! - **Confirmations and notifications** (feature `provider`):
//!   [`confirmation::build_confirmation`]
//!   and [`confirmation::check_confirmation`] (§3.5.1),
//!   [`notification::build_notification`] (§3.5.2), their XML
//!   ([`confirmation::AcknowledgeMessage`], [`notification::NotificationMessage`])
//!   over the hardened reader of [`xml`], and the [`pdf`] presentation.
//!   What they share (the issuing [`provider::Issuer`], header fields,
//!   text frame, body assembly, [`provider::BuildError`]) is in [`provider`].
//! - **Ident confirmations** (feature `provider`):
//!   [`ident::build_ident_confirmation`] and
//!   [`ident::check_ident_confirmation`] (ID IO §2): the ident cards
//!   ([`ident::IdentCard`]) in a signed SAML 2.0 assertion
//!   ([`ident::IdentAssertion`], [`ident::verify_assertion`]).
//! - **XML signatures** (feature `xml`): [`xmldsig`] canonicalizes XML (C14N 1.0,
//!   Exc-C14N 1.0), signs a document with an enveloped `ds:Signature` and
//!   verifies one strictly (the confirmations' `Acknowledge-Message`, §3.5).
//! - **Signing**: every signing function takes a `&dyn` [`signer::Signer`],
//!   a key with its certificate: [`signer::CertifiedKey`] (a
//!   [`crypto::SigningKey`] in memory and its [`certificate::Certificate`])
//!   or, with feature `pkcs11`, `signer::pkcs11::Pkcs11Signer` (a key in an
//!   HSM). [`integrity::sign`] with [`integrity::SignOptions`] writes
//!   `X-de-mail-integrity` (§3.1.21); [`xmldsig::sign_enveloped`] signs XML;
//!   the confirmation, notification, ident and BCC builders and S/MIME take
//!   the same signer.
//! - **Verifying**: [`integrity::verify()`] checks `X-de-mail-integrity` and
//!   fails closed (duplicates, bare LF, FC-04, weak keys, CA rules);
//!   [`provider_directory`] binds signers to the sender's domain;
//!   [`stamp::stamp`] writes the gateway's verdict as an
//!   `Authentication-Results` field (RFC 8601).
//! - **A verifying service**: [`verifier::Verifier`] owns the anchors,
//!   policies, provider directory and evidence, is `Send + Sync` and cheap
//!   to clone, verifies envelopes, XML signatures and confirmations with an
//!   explicit time through the same verifiers, and keeps parsed signer
//!   certificates and their paths in a bounded
//!   [`certificate_cache::CertificateCache`].
//! - **Trust**: [`trust`] is the one trust evaluation of every verifier
//!   (integrity, XML-DSig, S/MIME): [`trust::VerifyOptions`], the
//!   certificate checks and [`trust::KeyPolicy`], the path to the trust
//!   anchors and the signer's revocation status ([`trust::StatusPolicy`]).
//! - **Forwarding and redirection**: [`resend::forward`],
//!   [`resend::redirect`] and [`resend::reset_envelope_to`] (§3.2, §3.3,
//!   §3.1.22) keep every signed field and the body byte for byte.
//! - **BCC fan-out**: [`bcc::split_bcc`] writes the to/cc copy and one copy
//!   per BCC recipient, each with its own integrity value (§3.1.8, §3.1.21).
//! - **Export and import**: [`mbox::MboxReader`], [`mbox::MboxWriter`] and
//!   [`mbox::import`] (mbox with qmail `From_` quoting, §3.6), streaming.
//! - **End-to-end transparency**: [`protection::analyze`] tells whether the
//!   content is S/MIME or PGP signed or encrypted by the sender, and which
//!   parts (§2.1.3); every operation keeps such content byte for byte.
//! - **S/MIME** (feature `smime`): `smime::protect` encrypts (and signs) the
//!   content end to end, `smime::open` decrypts and checks the sender's
//!   signature, `protection::verify_signatures` checks client signatures on
//!   receipt (PVD FU Schritt 63–64); the Subject and envelope stay readable.
//! - **Certificate status**: [`status::check_status`] decides from CRLs and
//!   (feature `ocsp`) OCSP responses whether a certificate was revoked at
//!   the verification time ([`status::CertificateStatus`]), with its FC code
//!   and ETSI EN 319 102-1 indication ([`status::Indication`]).
//! - **Qualified certificates**: [`qualified::QcStatements`] reads
//!   QcCompliance, QcType and QcSSCD (ETSI EN 319 412-5);
//!   [`trust::VerifyOptions::require_qualified`] requires them of a signer.
//! - **Archives**: [`status::evidence::EvidenceBundle`] keeps the status
//!   evidence of a verification (the chain, CRLs, OCSP responses) to verify
//!   again offline at the same time.
//! - **Trusted lists** (feature `xml`): [`trusted_list::TrustedList`] verifies an EU trusted
//!   list (ETSI TS 119 612) with a signer certificate the caller gives and
//!   answers its qualified CAs as trust anchors.
//! - **Limits**: [`header::Limits`] bound header size, field count and line
//!   length.
//!
//! ## Failure philosophy
//! No input makes the crate panic: a message that is not a mail is a typed
//! [`header::HeaderError`]; a field that breaks its syntax is a
//! [`envelope::FieldError`] reported by validation, so a gateway can still
//! read and report the message.
//!
//! ## Feature flags
//! The default features, `provider` and `brainpool`, give everything a
//! De-Mail provider needs. A service that only reads and verifies envelopes
//! can leave out XML, PDF, confirmations and brainpool with
//! `default-features = false` (docs/decisions.md D187).
//! - `provider` (default; implies `xml`): [`confirmation`],
//!   [`notification`], [`ident`], what they share ([`provider`]) and the
//!   PDF/A-3b presentation [`pdf`] (krilla, skrifa).
//! - `xml`: the hardened XML reader [`xml`], XML signatures [`xmldsig`]
//!   and EU trusted lists [`trusted_list`] (quick-xml, encoding_rs).
//! - `brainpool` (default; implies `ecdsa-prehash`): ECDSA on
//!   brainpoolP256r1 and brainpoolP384r1 (BSI TR-03116-4): keys, signatures
//!   and CA certificates (RustCrypto bp256, bp384).
//! - `ecdsa-prehash`: ECDSA where ring has no algorithm, P-256 and P-384 with
//!   every hash of §3.1.21 (RustCrypto p256, p384). Without it ring signs
//!   P-256 with SHA-256 and P-384 with SHA-384 and verifies either curve with
//!   SHA-256 or SHA-384; the other pairs are
//!   [`crypto::CryptoError::Unsupported`], and a verification fails closed
//!   (D188). TR 01201-3.4 §3.1.21 wants a DMDA to verify every algorithm:
//!   a provider keeps the default features.
//! - `smime`: S/MIME protect and open (RustCrypto cms, rsa OAEP, AES, ECDH;
//!   implies `brainpool`).
//! - `ocsp`: OCSP requests and responses in [`status`] (RustCrypto
//!   x509-ocsp, on the der 0.7 / x509-cert 0.2 stack).
//! - `pkcs11`: signing with a key in an HSM, `signer::pkcs11` (cryptoki;
//!   implies `brainpool`).
//! - `online`: `status::online` fetches OCSP responses and CRLs over plain
//!   HTTP (ureq without TLS; connect/read/total timeouts, size limits);
//!   enables `ocsp`. Without it the crate does no network I/O:
//!   [`status::requests_needed`] only plans the requests.
//! - `serde`: `serde::Serialize` on the envelope and every report,
//!   `serde::Deserialize` on the metadata and the codes; times as RFC 3339
//!   UTC, addresses as strings, codes in snake_case (README "JSON output").
//! - `cli`: builds the `demail` command-line tool (adds clap and serde_json;
//!   enables `serde`, `provider`, `brainpool`, `smime`, `pkcs11`, `ocsp`
//!   and `online` for `--online`).
//!
//! Without features (`--no-default-features`) the crate is the envelope +
//! integrity layer: [`envelope`], [`validate`], [`metadata`], [`builder`],
//! [`integrity`] sign and verify, [`trust`], [`status`] (CRLs),
//! [`provider_directory`], [`stamp`], [`resend`], [`bcc`], [`mbox`] and
//! [`protection`]. It depends on mail-parser and mail-builder (MIME),
//! ring, x509-parser and rustls-webpki (signatures and certificates), time
//! (calendar arithmetic of [`fields::DateTime`]), base64, memchr and
//! thiserror: 48 crates in `cargo tree -e normal --prefix none --no-dedupe |
//! sort -u`, against 123 with the default features (`.ci/run` keeps it at
//! most half).
//!
//! ## MSRV
//! Rust 1.95.

#![forbid(unsafe_code)]
// The docs describe the whole crate and link to the modules of its features
// (`provider`, `xml`, `smime`, `pkcs11`, `ocsp`); without them those links
// have no target (D190). CI builds the docs with every feature and
// -D warnings, which checks every link.
#![cfg_attr(
    not(all(feature = "provider", feature = "smime", feature = "pkcs11", feature = "ocsp")),
    allow(rustdoc::broken_intra_doc_links)
)]
#![deny(missing_docs)]
#![warn(unreachable_pub)]

pub mod address;
pub mod bcc;
pub mod builder;
pub mod certificate;
pub mod certificate_cache;
#[cfg(feature = "provider")]
pub mod confirmation;
pub mod crypto;
mod display;
pub mod envelope;
pub mod error_case;
pub mod fields;
pub mod header;
#[cfg(feature = "provider")]
pub mod ident;
pub mod integrity;
pub mod mbox;
pub mod metadata;
#[cfg(feature = "provider")]
pub mod notification;
#[cfg(feature = "provider")]
pub mod pdf;
mod pem;
pub mod protection;
#[cfg(feature = "provider")]
pub mod provider;
pub mod provider_directory;
pub mod qualified;
pub mod resend;
#[cfg(feature = "serde")]
mod serialize;
pub mod signer;
#[cfg(feature = "smime")]
pub mod smime;
pub mod stamp;
pub mod status;
pub mod trust;
#[cfg(feature = "xml")]
pub mod trusted_list;
pub mod validate;
pub mod verifier;
mod writer;
#[cfg(feature = "xml")]
pub mod xml;
#[cfg(feature = "xml")]
pub mod xmldsig;

// The entry points a service uses, at the crate root.
pub use certificate::Certificate;
#[cfg(feature = "provider")]
pub use confirmation::{build_confirmation, check_confirmation};
pub use crypto::SigningKey;
pub use envelope::Envelope;
pub use fields::DateTime;
pub use integrity::{SignOptions, VerificationReport, sign, verify};
#[cfg(feature = "provider")]
pub use notification::{build_notification, read_notification};
#[cfg(feature = "provider")]
pub use provider::Issuer;
pub use signer::{CertifiedKey, Signer};
pub use trust::VerifyOptions;
pub use validate::{Mode, Report};
pub use verifier::Verifier;

/// The README's examples, compiled and run as doc tests (the S/MIME example
/// needs the `smime` feature, the confirmation examples `provider`, the
/// online status example `online`; CI tests with `--all-features`).
#[cfg(all(doctest, feature = "smime", feature = "provider", feature = "online"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
