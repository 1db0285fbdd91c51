//! Writing `X-de-mail-integrity` (and `X-de-mail-signature-certificate`)
//! into a message whose metadata is complete (TR 01201-3.4 §3.1.21).

use std::borrow::Cow;

use base64::Engine;

use crate::certificate::Certificate;
use crate::crypto::{HashAlgorithm, SignatureScheme, SigningKey};
use crate::envelope::Envelope;
use crate::fields::FieldName;
use crate::header::RawField;
use crate::writer::{HeaderWriter, LineEnd};

use super::canonical::{body_hash, header_input};
use super::tags::{Algorithm, integrity_field_without_b};
use super::{IntegrityError, NotReadyReason, SIGNED_FIELDS, authoritative_value};

/// How to sign a message.
#[derive(Debug)]
pub struct SignOptions<'k> {
    /// The hash function.
    pub hash: HashAlgorithm,
    /// Key, certificate and scheme for signed mode; `None` for hash-only.
    pub signer: Option<SignedMode<'k>>,
    /// `d=`; by default the domain of `X-de-mail-originator-provider`.
    pub domain: Option<String>,
    /// `s=` (never used for a lookup).
    pub selector: String,
}

/// The provider's key and certificate for signed mode.
#[derive(Debug)]
pub struct SignedMode<'k> {
    /// The private key.
    pub key: &'k SigningKey,
    /// The certificate of that key, written into the message.
    pub certificate: &'k Certificate,
    /// The scheme; must fit the key.
    pub scheme: SignatureScheme,
}

impl SignedMode<'_> {
    /// Checks that the key belongs to the certificate, so that no message
    /// carries a certificate its signature cannot be checked with.
    ///
    /// # Errors
    /// [`IntegrityError::KeyCertificateMismatch`].
    pub fn check_pair(&self) -> Result<(), IntegrityError> {
        let key = self.key.public_key();
        if key == self.certificate.public_key {
            return Ok(());
        }
        Err(IntegrityError::KeyCertificateMismatch {
            key: key.describe(),
            certificate: self.certificate.public_key.describe(),
        })
    }
}

impl SignOptions<'_> {
    /// Hash-only with SHA-256.
    pub fn hash_only() -> Self {
        SignOptions {
            hash: HashAlgorithm::Sha256,
            signer: None,
            domain: None,
            selector: "demail".into(),
        }
    }
}

impl<'k> SignOptions<'k> {
    /// Signed with the key's default scheme and SHA-256.
    pub fn signed(key: &'k SigningKey, certificate: &'k Certificate) -> Self {
        SignOptions {
            signer: Some(SignedMode {
                key,
                certificate,
                scheme: key.default_scheme(),
            }),
            ..SignOptions::hash_only()
        }
    }

    fn algorithm(&self) -> Algorithm {
        Algorithm {
            hash: self.hash,
            signature: self.signer.as_ref().map(|s| s.scheme),
        }
    }
}

/// Adds `X-de-mail-integrity` (and, when signed, the certificate field) to a
/// message whose metadata is complete (§3.1.21). Existing integrity and
/// certificate fields are removed first, so signing twice gives one field
/// of each.
///
/// The new fields are appended after the last header field; all other
/// bytes of the message are kept exactly.
///
/// Guards every caller (the confirmation, notification and BCC builders
/// too): a hash-only field for an authoritative message is refused, and so
/// is a key that does not match the certificate.
///
/// # Errors
/// [`IntegrityError::Header`] when the message does not parse,
/// [`IntegrityError::NotReady`] when it is not ready to be hashed,
/// [`IntegrityError::UnsignedAuthoritative`] for hash-only on an
/// authoritative message, [`IntegrityError::KeyCertificateMismatch`], and
/// [`IntegrityError::Crypto`] when signing fails.
pub fn sign(message: &[u8], options: &SignOptions<'_>) -> Result<Vec<u8>, IntegrityError> {
    let envelope = Envelope::parse(message)?;
    check_ready(&envelope)?;
    match &options.signer {
        Some(signer) => signer.check_pair()?,
        None => {
            if let Some(value) = authoritative_value(&envelope) {
                return Err(IntegrityError::UnsignedAuthoritative { value });
            }
        }
    }
    let kept: Vec<RawField<'_>> = envelope
        .fields()
        .iter()
        .filter(|f| {
            !f.has_name(FieldName::Integrity.as_str())
                && !f.has_name(FieldName::SignatureCertificate.as_str())
        })
        .copied()
        .collect();

    let mut out = Vec::with_capacity(message.len() + 4096);
    for field in &kept {
        out.extend_from_slice(field.raw);
        if !field.raw.ends_with(b"\n") {
            out.extend_from_slice(b"\r\n");
        }
    }
    let signed_names: Vec<Cow<'_, str>> = SIGNED_FIELDS
        .iter()
        .filter(|name| **name != FieldName::PrivateId || envelope.field(FieldName::PrivateId).is_some())
        .map(|name| Cow::Borrowed(name.as_str()))
        .collect();
    let algorithm = options.algorithm();
    let domain = options.domain.clone().or_else(|| {
        envelope
            .metadata()
            .originator_provider
            .as_deref()
            .map(str::to_owned)
    });
    let body_hash = body_hash(envelope.body(), options.hash);
    let field = integrity_field_without_b(
        &algorithm,
        domain.as_deref(),
        &options.selector,
        &signed_names,
        &body_hash,
    );

    let integrity_raw = RawField::new(
        FieldName::Integrity.written_name(),
        &field[FieldName::Integrity.written_name().len() + 1..],
        &field,
        0,
    );
    let input = header_input(&kept, &signed_names, &integrity_raw);
    let value = match &options.signer {
        None => options.hash.digest(&input),
        Some(signer) => signer.key.sign(signer.scheme, options.hash, &input)?,
    };
    out.extend_from_slice(&field);
    let mut w = HeaderWriter::new(&mut out, LineEnd::Crlf);
    w.base64_continued(&base64::engine::general_purpose::STANDARD.encode(value));
    w.line_end();
    if let Some(signer) = &options.signer {
        w.base64(
            FieldName::SignatureCertificate.written_name(),
            &signer.certificate.to_base64(),
        );
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(envelope.body());
    Ok(out)
}

/// The conditions of §3.1.21 that a message must meet before it is hashed:
/// (1) all metadata set: every field Table 1 requires for its kind, other than
/// the integrity and certificate fields, is present and readable; (2) a
/// message with BCC recipients is split: `X-de-mail-chosen-recipient` holds
/// either no `bcc=` element or exactly one bcc recipient and nothing else;
/// (4) every line of the header section ends in CRLF.
fn check_ready(envelope: &Envelope<'_>) -> Result<(), IntegrityError> {
    use crate::validate::Rule;
    let report = envelope.validate();
    let missing: Vec<FieldName> = report
        .violations()
        .iter()
        .filter(|v| matches!(v.rule, Rule::RequiredField | Rule::InvalidValue))
        .filter(|v| !matches!(v.field, FieldName::Integrity | FieldName::SignatureCertificate))
        .map(|v| v.field)
        .collect();
    if !missing.is_empty() {
        return Err(IntegrityError::NotReady(NotReadyReason::Metadata {
            fields: missing,
        }));
    }
    if let Some(list) = &envelope.metadata().chosen_recipient {
        let bcc_copy = list.to.is_empty() && list.cc.is_empty() && list.bcc.len() == 1;
        if !list.bcc.is_empty() && !bcc_copy {
            return Err(IntegrityError::NotReady(NotReadyReason::BccNotSplit));
        }
    }
    let header = &envelope.raw()[..envelope.body_offset()];
    let lf_only = header
        .iter()
        .enumerate()
        .position(|(i, b)| *b == b'\n' && (i == 0 || header[i - 1] != b'\r'));
    if let Some(offset) = lf_only {
        return Err(IntegrityError::NotReady(NotReadyReason::BareLineFeed { offset }));
    }
    Ok(())
}
