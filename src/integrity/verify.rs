//! Verifying the integrity of a received De-Mail message (TR 01201-3.4
//! §3.1.21; PVD FU Schritt 48 and 83): [`verify`], its report and failures.
//! The certificate checks are [`crate::trust`]'s.

use std::borrow::Cow;
use std::ops::Range;

use crate::certificate::{Certificate, CertificateError};
use crate::crypto::{self, CryptoError, SignatureScheme};
use crate::envelope::Envelope;
use crate::fields::{FieldName, MessageKind, MessageType};
use crate::header::RawField;
use crate::integrity::{
    Algorithm, FieldOccurrences, IntegrityError, IntegrityTags, SIGNED_FIELDS, authoritative_value,
    body_hash, field_occurrences, header_input_from,
};
use crate::provider_directory::SignerBinding;
use crate::status::{CertificateStatus, ChainCertificate, Indication};
use crate::trust::{DuplicatePolicy, VerifyOptions};
use crate::validate::{Presence, bare_line_feed, presence};

/// Hash-only or signed (§3.1.21, footnote 6); `hash_only` or `signed` in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum IntegrityMode {
    /// `a=<hash>`: `b=` is the header hash.
    HashOnly,
    /// `a=<hash>/<scheme>`: `b=` is a signature.
    Signed,
}

pub use crate::error_case::ErrorCase;

/// Why a message needs a signature it does not have (FC-04).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureRequirement {
    /// `X-de-mail-authoritative` is not exactly `no` (TR 01201-3.1 Schritt 30,
    /// 48; docs/decisions.md D48).
    #[error("the message is authoritative (X-de-mail-authoritative: {value})")]
    Authoritative {
        /// The field's value as written (`yes`, or an invalid value, which
        /// counts as authoritative).
        value: String,
    },
    /// The message type is always signed (confirmations and ident
    /// confirmations, TR 01201-3.4 §3.4.1, §3.5.1, Table 1; malware
    /// notifications; D49).
    #[error("a {0} message is always signed")]
    MessageType(MessageType),
    /// `X-de-mail-message-type` is missing or unreadable, so the message may
    /// be a confirmation (fail closed, D49).
    #[error("the message type is missing or unreadable, so it may be a confirmation")]
    UnknownMessageType,
    /// The caller accepts only signed messages ([`VerifyOptions::require_signature`]).
    #[error("this service accepts only signed messages")]
    Policy,
}

/// Why a message failed verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Failure {
    /// No `X-de-mail-integrity` field.
    #[error("the message has no X-de-mail-integrity field (TR 01201-3.4 §3.1.13)")]
    MissingIntegrity,
    /// A line ends in a bare LF (TR 01201-3.4 §3.1.21 condition 4: CRLF only).
    #[error(
        "bare LF (a line end without CR) at byte {offset}: a De-Mail message must use CRLF line ends throughout (TR 01201-3.4 §3.1.21 condition 4); a file stored with LF line ends is refused"
    )]
    BareLineFeed {
        /// Offset of the LF.
        offset: usize,
    },
    /// The integrity field does not parse.
    #[error("X-de-mail-integrity is malformed: {0}")]
    Malformed(#[source] IntegrityError),
    /// `h=` leaves out a mandated field the message carries.
    #[error("{0} is in the message but not covered by h= (TR 01201-3.4 §3.1.21)")]
    FieldNotSigned(FieldName),
    /// A field listed in `h=` occurs more than once: readers disagree on
    /// which one counts (D46).
    #[error(
        "the signed field {field} occurs twice, at byte {first_offset} and at byte {offset}; a reader may show the unsigned one (TR 01201-3.4 §3.1.1, §3.1.21; RFC 5322 §3.6)"
    )]
    DuplicateSignedField {
        /// The field name as listed in `h=`.
        field: String,
        /// Offset of the first occurrence (the hashed one).
        first_offset: usize,
        /// Offset of the repeated occurrence.
        offset: usize,
    },
    /// The body hash does not match `bh=`.
    #[error("the body hash does not match bh= (the body was changed)")]
    BodyHashMismatch,
    /// The header hash does not match `b=` (hash-only mode).
    #[error("the header hash does not match b= (a signed header field was changed)")]
    HeaderHashMismatch,
    /// The signature does not verify.
    #[error("the signature does not verify (a signed header field was changed): {0}")]
    BadSignature(#[source] CryptoError),
    /// Signed mode without a certificate field.
    #[error("signed, but X-de-mail-signature-certificate is missing (TR 01201-3.4 §3.1.14)")]
    MissingCertificate,
    /// The certificate is not acceptable (weak key, expired, untrusted...).
    #[error("the provider certificate is not acceptable: {0}")]
    Certificate(#[source] CertificateError),
    /// The provider directory does not list the signer for the sender's domain.
    #[error(
        "the signer `{subject}` is not listed in the provider directory for {}",
        .domain.as_deref().map_or("the sender (no sender domain)".to_owned(), |d| format!("the domain {d}"))
    )]
    SignerNotListed {
        /// The domain of `X-de-mail-sender`; `None` when the message has none.
        domain: Option<String>,
        /// The signer's subject.
        subject: String,
    },
    /// The signer certificate's status fails the
    /// [`StatusPolicy`](crate::trust::StatusPolicy): revoked (FC-02, with
    /// time and reason), or unknown, unavailable or not checked (FC-03).
    #[error("certificate status: {0}")]
    Status(CertificateStatus),
    /// A hash-only message that must be signed (TR 01201-3.1 Schritt 48, FC-04).
    #[error("no signature, but {0} (TR 01201-3.1 Schritt 48, FC-04)")]
    MissingSignature(SignatureRequirement),
}

impl Failure {
    /// The FU error case.
    pub fn case(&self) -> ErrorCase {
        match self {
            Failure::Certificate(_) | Failure::SignerNotListed { .. } => ErrorCase::Fc02CertificateInvalid,
            Failure::Status(status) => status.error_case().unwrap_or(ErrorCase::Fc03StatusUnchecked),
            Failure::MissingSignature(_) => ErrorCase::Fc04MissingSignature,
            _ => ErrorCase::Fc01IntegrityViolation,
        }
    }

    /// A stable snake_case code naming the rule, for reports and the CLI.
    pub fn code(&self) -> &'static str {
        match self {
            Failure::MissingIntegrity => "missing_integrity",
            Failure::BareLineFeed { .. } => "bare_line_feed",
            Failure::Malformed(_) => "malformed_integrity",
            Failure::FieldNotSigned(_) => "field_not_signed",
            Failure::DuplicateSignedField { .. } => "duplicate_signed_field",
            Failure::BodyHashMismatch => "body_hash_mismatch",
            Failure::HeaderHashMismatch => "header_hash_mismatch",
            Failure::BadSignature(_) => "bad_signature",
            Failure::MissingCertificate => "missing_certificate",
            Failure::Certificate(CertificateError::WeakKey { .. }) => "weak_key",
            Failure::Certificate(CertificateError::CaCannotSignCertificates { .. }) => {
                "ca_cannot_sign_certificates"
            }
            Failure::Certificate(CertificateError::Untrusted(_)) => "untrusted_certificate",
            Failure::Certificate(CertificateError::KeyPurposeNotAccepted { .. }) => {
                "key_purpose_not_accepted"
            }
            Failure::Certificate(CertificateError::Expired { .. }) => "certificate_expired",
            Failure::Certificate(CertificateError::NotYetValid { .. }) => "certificate_not_yet_valid",
            Failure::Certificate(CertificateError::NoSignatureKeyUsage) => "no_signature_key_usage",
            Failure::Certificate(CertificateError::NotQualified { .. }) => "not_qualified",
            Failure::Certificate(_) => "unreadable_certificate",
            Failure::SignerNotListed { .. } => "signer_not_listed",
            Failure::Status(CertificateStatus::Revoked { .. }) => "certificate_revoked",
            Failure::Status(_) => "status_not_confirmed",
            Failure::MissingSignature(SignatureRequirement::Authoritative { .. }) => "unsigned_authoritative",
            Failure::MissingSignature(SignatureRequirement::Policy) => "signature_required",
            Failure::MissingSignature(_) => "unsigned_confirmation",
        }
    }

    /// The byte offset the failure points at, where there is one.
    pub fn offset(&self) -> Option<usize> {
        match self {
            Failure::BareLineFeed { offset } | Failure::DuplicateSignedField { offset, .. } => Some(*offset),
            _ => None,
        }
    }
}

/// `{"code", "error_case", "message", "offset"}`: the typed cause stays in
/// Rust; JSON carries its stable code (D183).
#[cfg(feature = "serde")]
impl serde::Serialize for Failure {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::serialize::problem(
            serializer,
            self.code(),
            Some(self.case().id()),
            self,
            self.offset(),
        )
    }
}

/// The outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// Hash (and signature, certificate and chain, when signed) all check out.
    Pass,
    /// The signature is mathematically valid and the certificate acceptable,
    /// but no trust anchor was given, so the signer is not trusted.
    SignatureValidUntrusted,
    /// The message fails.
    Fail(Failure),
}

impl Verdict {
    /// A stable snake_case code: `pass`, `signer_not_trusted`, `fail`.
    pub const fn code(&self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::SignatureValidUntrusted => "signer_not_trusted",
            Verdict::Fail(_) => "fail",
        }
    }

    /// The failure, when the verdict is [`Verdict::Fail`].
    pub const fn failure(&self) -> Option<&Failure> {
        match self {
            Verdict::Fail(failure) => Some(failure),
            _ => None,
        }
    }
}

/// Two keys of the report object it is flattened into: `verdict` (its
/// [`code`](Verdict::code)) and `failure` (the [`Failure`] or `null`).
#[cfg(feature = "serde")]
impl serde::Serialize for Verdict {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("verdict", self.code())?;
        map.serialize_entry("failure", &self.failure())?;
        map.end()
    }
}

/// A field listed in `h=`, or `X-de-mail-integrity` /
/// `X-de-mail-signature-certificate` (D96), that occurs more than once.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DuplicateField {
    /// The field name as listed in `h=`.
    pub field: String,
    /// Offset of the first occurrence (the one hashed, §3.1.21).
    pub first_offset: usize,
    /// Offset of the repeated occurrence.
    pub offset: usize,
}

/// What verification found. In JSON (feature `serde`) the [`Verdict`] is
/// two keys, `verdict` and `failure`, at the end.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct VerificationReport {
    /// Hash-only or signed; `None` when the field is missing or malformed.
    pub mode: Option<IntegrityMode>,
    /// The `a=` algorithm.
    pub algorithm: Option<Algorithm>,
    /// Whether `bh=` matches the body.
    pub body_hash_ok: Option<bool>,
    /// Whether `b=` matches (hash-only) or verifies (signed); `None` when it
    /// was not tried (a key refused by the key policy is never used).
    pub header_ok: Option<bool>,
    /// The signer's certificate, when signed.
    pub certificate: Option<Certificate>,
    /// Whether the certificate chains to a trust anchor (`None`: not checked).
    pub trusted: Option<bool>,
    /// The signer certificate's revocation status (TR 01201-3.4 §3.1.21,
    /// PVD FU Schritt 48); [`CertificateStatus::NotChecked`] when unsigned,
    /// without evidence, or without a verified issuer.
    pub status: CertificateStatus,
    /// The CA certificates of the verified path, the signer's issuer first,
    /// the trust anchor last, each with its status from the same evidence
    /// (D202); empty when no path was verified.
    pub chain: Vec<ChainCertificate>,
    /// Whether the signer certificate is an EU qualified certificate for
    /// seals or signatures by its QCStatements
    /// ([`check_qualified`](crate::trust::check_qualified), D201); `None`
    /// when the message is not signed.
    pub qualified: Option<bool>,
    /// The ETSI EN 319 102-1 indication of the status that decides: that
    /// of a CA of [`VerificationReport::chain`] when it fails the
    /// verification (REVOKED_CA_NO_POE for a revoked CA), else
    /// [`VerificationReport::status`]'s
    /// ([`VerifyOptions::path_indication`]); `None` when the message is not
    /// signed.
    pub indication: Option<Indication>,
    /// Every repeated occurrence of a field listed in `h=`.
    pub duplicates: Vec<DuplicateField>,
    /// An `X-de-mail-authoritative` value that is neither `yes` nor `no`
    /// (it counts as authoritative, D48).
    pub invalid_authoritative: Option<String>,
    /// Whether the signer was checked against the provider directory.
    pub signer_binding: SignerBinding,
    /// The outcome.
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub verdict: Verdict,
}

impl VerificationReport {
    fn new() -> Self {
        VerificationReport {
            mode: None,
            algorithm: None,
            body_hash_ok: None,
            header_ok: None,
            certificate: None,
            trusted: None,
            status: CertificateStatus::NotChecked,
            chain: Vec::new(),
            qualified: None,
            indication: None,
            duplicates: Vec::new(),
            invalid_authoritative: None,
            signer_binding: SignerBinding::NotChecked,
            verdict: Verdict::Pass,
        }
    }

    fn fail(mut self, failure: Failure) -> Self {
        self.verdict = Verdict::Fail(failure);
        self
    }

    /// Whether the verdict is [`Verdict::Pass`].
    pub fn passed(&self) -> bool {
        self.verdict == Verdict::Pass
    }

    /// The failure, when the verdict is [`Verdict::Fail`].
    pub fn failure(&self) -> Option<&Failure> {
        match &self.verdict {
            Verdict::Fail(failure) => Some(failure),
            _ => None,
        }
    }
}

/// Verifies the integrity field of a parsed message: a pure function of the
/// message, the caller's trust anchors and the caller's time. It returns a [`VerificationReport`]: the
/// mode (hash-only or signed), the algorithm, whether body hash and header
/// hash or signature match, the certificate, and a [`Verdict`] whose failure
/// names the FU error case (FC-01 integrity violation, FC-02 certificate
/// invalid, FC-03 status not checkable, FC-04 no signature on an
/// authoritative message).
///
/// The key comes only from `X-de-mail-signature-certificate`, never from
/// DNS. Without trust anchors a correct signature yields
/// [`Verdict::SignatureValidUntrusted`], never a pass.
///
/// Verification fails closed (docs/decisions.md D46–D52): a bare LF
/// anywhere, a field listed in `h=` that occurs twice (unless
/// [`DuplicatePolicy::FirstWins`](crate::trust::DuplicatePolicy::FirstWins)),
/// an `X-de-mail-authoritative` value other than exactly `no` without a
/// signature, a hash-only confirmation, a key weaker than the
/// [`KeyPolicy`](crate::trust::KeyPolicy) (checked before the signature is
/// tried), a CA on the path without keyCertSign, and a signer the caller's
/// [`ProviderDirectory`](crate::provider_directory::ProviderDirectory) does
/// not list for the sender's domain.
///
/// ```
/// use demail::envelope::Envelope;
/// use demail::integrity::{sign, SignOptions};
/// use demail::integrity::{verify, ErrorCase, Failure, Verdict};
/// use demail::trust::VerifyOptions;
///
/// let raw = sign(&std::fs::read("tests/data/normal-minimal.eml")?, &SignOptions::hash_only())?;
/// assert_eq!(verify(&Envelope::parse(&raw)?, &VerifyOptions::default()).verdict, Verdict::Pass);
///
/// // A second Subject appended below the signed one: FC-01 with both offsets.
/// let forged = String::from_utf8(raw)?.replacen("\r\n\r\n", "\r\nSubject: forged\r\n\r\n", 1);
/// let report = verify(&Envelope::parse(forged.as_bytes())?, &VerifyOptions::default());
/// let Verdict::Fail(failure @ Failure::DuplicateSignedField { .. }) = &report.verdict else { panic!() };
/// assert_eq!(failure.case(), ErrorCase::Fc01IntegrityViolation);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify(envelope: &Envelope<'_>, options: &VerifyOptions<'_>) -> VerificationReport {
    let mut report = VerificationReport::new();
    let Some(field) = envelope.field(FieldName::Integrity) else {
        return report.fail(Failure::MissingIntegrity);
    };
    let authoritative = authoritative_value(envelope);
    if let Some(value) = &authoritative
        && value != "yes"
    {
        report.invalid_authoritative = Some(value.clone());
    }
    if let Some(offset) = bare_line_feed(envelope.raw()) {
        return report.fail(Failure::BareLineFeed { offset });
    }
    // The parse kept the first occurrence's value, unfolded when read here
    // (an empty one is not kept, and unfolds to the same empty text here).
    let value = match envelope.metadata().integrity.as_deref() {
        Some(value) => Cow::Borrowed(value),
        None => field.unfolded_value(),
    };
    let tags = match IntegrityTags::parse(&value) {
        Ok(tags) => tags,
        Err(error) => return report.fail(Failure::Malformed(error)),
    };
    check_tags(envelope, &tags, options, report, field, authoritative)
}

fn check_tags(
    envelope: &Envelope<'_>,
    tags: &IntegrityTags<'_>,
    options: &VerifyOptions<'_>,
    mut report: VerificationReport,
    field: &RawField<'_>,
    authoritative: Option<String>,
) -> VerificationReport {
    report.algorithm = Some(tags.algorithm);
    report.mode = Some(match tags.algorithm.signature {
        Some(_) => IntegrityMode::Signed,
        None => IntegrityMode::HashOnly,
    });
    if let Some(missing) = unsigned_mandated_field(envelope, &tags.headers) {
        return report.fail(Failure::FieldNotSigned(missing));
    }
    // One map of the header's fields serves the duplicate check and the input.
    let occurrences = field_occurrences(envelope.fields(), field);
    let groups: Vec<Range<usize>> = tags.headers.iter().map(|name| occurrences.group(name)).collect();
    report.duplicates =
        duplicate_signed_fields(envelope.fields(), &tags.headers, &groups, field, &occurrences);
    if options.duplicate_fields == DuplicatePolicy::Refuse
        && let Some(first) = report.duplicates.first()
    {
        let failure = Failure::DuplicateSignedField {
            field: first.field.clone(),
            first_offset: first.first_offset,
            offset: first.offset,
        };
        return report.fail(failure);
    }
    let hash = tags.algorithm.hash;
    let body_ok = body_hash(envelope.body(), hash) == tags.body_hash;
    report.body_hash_ok = Some(body_ok);
    let input = header_input_from(envelope.fields(), &groups, field, &occurrences);
    let Some(scheme) = tags.algorithm.signature else {
        // Hash-only: `b=` is the hash itself. Signed: the signature check
        // hashes the input (ring, or RustCrypto's prehash), once (issue 13).
        let header_ok = hash.digest(&input) == tags.value;
        report.header_ok = Some(header_ok);
        if options.provider_directory.is_some() {
            // A directory binds signers; a hash-only message has none (D52).
            report.signer_binding = SignerBinding::Unsigned;
        }
        return if !body_ok {
            report.fail(Failure::BodyHashMismatch)
        } else if !header_ok {
            report.fail(Failure::HeaderHashMismatch)
        } else if let Some(requirement) = signature_requirement(envelope, authoritative, options) {
            report.fail(Failure::MissingSignature(requirement))
        } else {
            report
        };
    };
    check_signature(envelope, scheme, tags, &input, options, report)
}

fn check_signature(
    envelope: &Envelope<'_>,
    scheme: SignatureScheme,
    tags: &IntegrityTags<'_>,
    input: &[u8],
    options: &VerifyOptions<'_>,
    mut report: VerificationReport,
) -> VerificationReport {
    let Some(field_text) = &envelope.metadata().signature_certificate else {
        return report.fail(Failure::MissingCertificate);
    };
    // Decoding ignores white space, so the text as received serves (and
    // finds a cached certificate) without removing it first (D207, D218).
    let text = field_text.as_received().unwrap_or_else(|| field_text.as_str());
    let certificate = match options.certificate_from_base64(text) {
        Ok(certificate) => certificate,
        Err(error) => return report.fail(Failure::Certificate(error)),
    };
    // The key policy comes first: a refused key is never used, so a weak key
    // is reported as FC-02, not as a signature that does not verify (D50).
    if let Err(error) = options.key_policy.check(&certificate.public_key) {
        report.certificate = Some(certificate);
        return report.fail(Failure::Certificate(error));
    }
    let signature = crypto::verify(
        &certificate.public_key,
        scheme,
        tags.algorithm.hash,
        input,
        &tags.value,
    );
    report.header_ok = Some(signature.is_ok());
    let body_ok = report.body_hash_ok == Some(true);
    let checked = options.check_certificate(&certificate);
    let chain = options.verify_path(&certificate, &[]);
    report.trusted = chain.as_ref().map(Result::is_ok);
    let path = chain.as_ref().and_then(|c| c.as_ref().ok());
    report.status = options.check_status(&certificate, path.and_then(|p| p.first()));
    report.chain = path
        .map(|p| options.check_chain(&certificate, p))
        .unwrap_or_default();
    let refused = options.refused_status(&report.status, &report.chain).cloned();
    report.indication = Some(options.path_indication(&report.status, &report.chain));
    report.qualified = Some(crate::trust::check_qualified(&certificate).is_ok());
    let domain = sender_domain(envelope);
    if let Some(directory) = options.provider_directory {
        report.signer_binding = match &domain {
            None => SignerBinding::NoSenderDomain,
            Some(domain) if directory.allows(domain, &certificate) => SignerBinding::Listed {
                domain: domain.clone(),
            },
            Some(domain) => SignerBinding::NotListed {
                domain: domain.clone(),
            },
        };
    }
    let subject = certificate.subject.clone();
    report.certificate = Some(certificate);
    if !body_ok {
        return report.fail(Failure::BodyHashMismatch);
    }
    if let Err(error) = signature {
        return report.fail(Failure::BadSignature(error));
    }
    if let Err(error) = checked {
        return report.fail(Failure::Certificate(error));
    }
    match chain {
        Some(Err(error)) => return report.fail(Failure::Certificate(error)),
        None => report.verdict = Verdict::SignatureValidUntrusted,
        Some(Ok(_)) => {}
    }
    if matches!(
        report.signer_binding,
        SignerBinding::NotListed { .. } | SignerBinding::NoSenderDomain
    ) {
        return report.fail(Failure::SignerNotListed { domain, subject });
    }
    if let Some(status) = refused {
        return report.fail(Failure::Status(status));
    }
    report
}

/// The first mandated field present in the message but missing from `h=`
/// (no downgrade by omission). `Reply-To` and `X-de-mail-private-id` are
/// mandated only when present, like every other field.
fn unsigned_mandated_field(envelope: &Envelope<'_>, signed: &[Cow<'_, str>]) -> Option<FieldName> {
    SIGNED_FIELDS.into_iter().find(|name| {
        envelope.field(*name).is_some() && !signed.iter().any(|s| s.eq_ignore_ascii_case(name.as_str()))
    })
}

/// Fields the verifier reads besides those of `h=`: a second one could be
/// what another reader shows (review of issue 11, finding 7; D96).
const RELIED_ON: [FieldName; 2] = [FieldName::Integrity, FieldName::SignatureCertificate];

/// Every repeated occurrence of a field named in `h=`, or of a field in
/// [`RELIED_ON`], in message order. For `X-de-mail-integrity` the first is
/// the one verified.
fn duplicate_signed_fields(
    fields: &[RawField<'_>],
    signed: &[Cow<'_, str>],
    groups: &[Range<usize>],
    integrity: &RawField<'_>,
    occurrences: &FieldOccurrences<'_>,
) -> Vec<DuplicateField> {
    let mut duplicates = Vec::new();
    // Each group once, however many spellings of its name are listed.
    let mut reported = vec![false; occurrences.len()];
    let relied_on = RELIED_ON
        .iter()
        .map(|name| (name.as_str(), occurrences.group(name.as_str())));
    let names = signed.iter().map(AsRef::as_ref).zip(groups.iter().cloned());
    for (name, group) in names.chain(relied_on) {
        if !group.is_empty() && std::mem::replace(&mut reported[group.start], true) {
            continue;
        }
        let verified = integrity.has_name(name).then_some(integrity);
        let mut occurrences = verified
            .into_iter()
            .chain(occurrences.indices(group).map(|i| &fields[i]));
        let Some(first) = occurrences.next() else {
            continue;
        };
        duplicates.extend(occurrences.map(|again| DuplicateField {
            field: first.name.to_owned(),
            first_offset: first.offset,
            offset: again.offset,
        }));
    }
    duplicates.sort_by_key(|d| d.offset);
    duplicates
}

/// Why a hash-only message must be signed, if it must (FC-04; D48, D49).
fn signature_requirement(
    envelope: &Envelope<'_>,
    authoritative: Option<String>,
    options: &VerifyOptions<'_>,
) -> Option<SignatureRequirement> {
    if let Some(value) = authoritative {
        return Some(SignatureRequirement::Authoritative { value });
    }
    match envelope.metadata().message_type {
        None => return Some(SignatureRequirement::UnknownMessageType),
        Some(kind) if always_signed(kind) => return Some(SignatureRequirement::MessageType(kind)),
        Some(_) => {}
    }
    options.require_signature.then_some(SignatureRequirement::Policy)
}

/// Message types that are always signed: those whose Table 1 column requires
/// the certificate field (confirmations, ident confirmations) and the
/// malware notification (TR 01201-3.4 §3.4.1, §3.5.1; D49).
pub fn always_signed(kind: MessageType) -> bool {
    kind == MessageType::MalwareNotification
        || presence(FieldName::SignatureCertificate, kind.kind()) == Presence::Required
}

/// The domain the signer must be listed for: that of `X-de-mail-sender`
/// (for confirmations and notifications the provider's system address).
pub(crate) fn sender_domain(envelope: &Envelope<'_>) -> Option<String> {
    let metadata = envelope.metadata();
    let sender = metadata.sender.as_ref().or(match envelope.kind() {
        Some(MessageKind::Normal) | None => None,
        Some(_) => metadata.from.as_ref(),
    })?;
    Some(sender.domain.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::bare_line_feed;

    // TR 01201-3.4 §3.1.14, D218: the verification decodes the certificate
    // from its text as received (with and without a cache, cold and warm)
    // and never compacts it; a builder's text serves as it is.
    #[test]
    fn verification_reads_the_certificate_as_received() {
        use crate::certificate_cache::CertificateCache;
        use crate::envelope::Envelope;
        use crate::trust::VerifyOptions;
        let raw = include_bytes!("../../tests/data/signed/normal-rsa3072.eml");
        let cache = CertificateCache::new(Vec::new(), Vec::new(), 4);
        let cached = VerifyOptions {
            certificate_cache: Some(&cache),
            ..VerifyOptions::default()
        };
        for options in [&VerifyOptions::default(), &cached, &cached] {
            let envelope = Envelope::parse(raw).unwrap();
            let report = super::verify(&envelope, options);
            assert!(report.certificate.is_some(), "{report:?}");
            let certificate = envelope.metadata().signature_certificate.as_ref().unwrap();
            assert!(certificate.is_unread());
        }
        assert_eq!(cache.len(), 1);
    }

    // TR 01201-3.4 §3.1.21 condition 4: the block scan finds what a plain scan finds
    #[test]
    fn bare_line_feed_matches_a_plain_scan_across_block_boundaries() {
        let plain = |raw: &[u8]| (0..raw.len()).find(|&i| raw[i] == b'\n' && (i == 0 || raw[i - 1] != b'\r'));
        let crlf: Vec<u8> = b"abc\r\n".iter().copied().cycle().take(10_000).collect();
        assert_eq!(bare_line_feed(&crlf), None);
        assert_eq!(bare_line_feed(b""), None);
        assert_eq!(bare_line_feed(b"\n"), Some(0));
        assert_eq!(bare_line_feed(b"\r\n"), None);
        for at in [1, 2, 4095, 4096, 4097, 8192, 8193, 9_999] {
            let mut raw = vec![b'x'; 10_000];
            raw[at] = b'\n';
            raw[at - 1] = b'\r';
            assert_eq!(bare_line_feed(&raw), None, "{at}");
            raw[at - 1] = b'y';
            assert_eq!(bare_line_feed(&raw), plain(&raw), "{at}");
            assert_eq!(bare_line_feed(&raw), Some(at), "{at}");
        }
    }
}
