//! Verifying the integrity of a received De-Mail message (TR 01201-3.4
//! §3.1.21; PVD FU Schritt 48 and 83).
//!
//! [`verify`] is a pure function of the message, the caller's trust
//! anchors and the caller's time. It returns a [`VerificationReport`]: the
//! mode (hash-only or signed), the algorithm, whether body hash and header
//! hash or signature match, the certificate, and a [`Verdict`] whose failure
//! names the FU error case (FC-01 integrity violation, FC-02 certificate
//! invalid, FC-03 status not checkable, FC-04 no signature on an
//! authoritative message).
//!
//! The key comes only from `X-de-mail-signature-certificate`, never from
//! DNS. Without trust anchors a correct signature yields
//! [`Verdict::SignatureValidUntrusted`], never a pass.

use std::borrow::Cow;
use std::time::SystemTime;

use crate::certificate::{Certificate, CertificateError, KeyPolicy};
use crate::crypto::{self, CryptoError, SignatureScheme};
use crate::envelope::Envelope;
use crate::fields::FieldName;
use crate::integrity::{Algorithm, IntegrityError, IntegrityTags, SIGNED_FIELDS, body_hash, header_input};

/// An online status check of the signer's certificate (OCSP or CRL), for
/// callers that can make one (PVD FU Schritt 48, FC-03). The crate makes no
/// network requests itself.
pub trait StatusCheck {
    /// Checks the certificate's status at `time`.
    ///
    /// # Errors
    /// A reason when the status is revoked or could not be determined.
    fn check(&self, certificate: &Certificate, time: SystemTime) -> Result<(), String>;
}

/// The inputs of a verification besides the message.
pub struct VerifyOptions<'a> {
    /// The verification time (certificate validity is checked at this time).
    pub time: SystemTime,
    /// The certificates the caller trusts as roots. Empty: signatures can be
    /// checked but the signer is not trusted.
    pub trust_anchors: &'a [Certificate],
    /// Intermediate certificates for path building.
    pub intermediates: &'a [Certificate],
    /// The minimum key strength.
    pub key_policy: KeyPolicy,
    /// An optional status check (FC-03).
    pub status_check: Option<&'a dyn StatusCheck>,
}

impl Default for VerifyOptions<'_> {
    /// Now, no trust anchors, the default [`KeyPolicy`], no status check.
    fn default() -> Self {
        VerifyOptions {
            time: SystemTime::now(),
            trust_anchors: &[],
            intermediates: &[],
            key_policy: KeyPolicy::default(),
            status_check: None,
        }
    }
}

/// Hash-only or signed (§3.1.21, footnote 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntegrityMode {
    /// `a=<hash>`: `b=` is the header hash.
    HashOnly,
    /// `a=<hash>/<scheme>`: `b=` is a signature.
    Signed,
}

/// The error case of PVD FU Schritt 48 a failure falls under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCase {
    /// FC-01: integrity violation.
    Fc01IntegrityViolation,
    /// FC-02: certificate invalid.
    Fc02CertificateInvalid,
    /// FC-03: certificate status could not be checked.
    Fc03StatusUnchecked,
    /// FC-04: no signature on a message with "absenderbestätigt".
    Fc04MissingSignature,
}

impl ErrorCase {
    /// `FC-01` ... `FC-04`.
    pub const fn code(self) -> &'static str {
        match self {
            ErrorCase::Fc01IntegrityViolation => "FC-01",
            ErrorCase::Fc02CertificateInvalid => "FC-02",
            ErrorCase::Fc03StatusUnchecked => "FC-03",
            ErrorCase::Fc04MissingSignature => "FC-04",
        }
    }
}

/// Why a message failed verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// No `X-de-mail-integrity` field.
    #[error("the message has no X-de-mail-integrity field (TR 01201-3.4 §3.1.13)")]
    MissingIntegrity,
    /// The integrity field does not parse.
    #[error("X-de-mail-integrity is malformed: {0}")]
    Malformed(IntegrityError),
    /// `h=` leaves out a mandated field the message carries.
    #[error("{0} is in the message but not covered by h= (TR 01201-3.4 §3.1.21)")]
    FieldNotSigned(FieldName),
    /// The body hash does not match `bh=`.
    #[error("the body hash does not match bh= (the body was changed)")]
    BodyHashMismatch,
    /// The header hash does not match `b=` (hash-only mode).
    #[error("the header hash does not match b= (a signed header field was changed)")]
    HeaderHashMismatch,
    /// The signature does not verify.
    #[error("the signature does not verify: {0}")]
    BadSignature(CryptoError),
    /// Signed mode without a certificate field.
    #[error("signed, but X-de-mail-signature-certificate is missing (TR 01201-3.4 §3.1.14)")]
    MissingCertificate,
    /// The certificate is not acceptable.
    #[error("{0}")]
    Certificate(CertificateError),
    /// The status check failed.
    #[error("certificate status: {0}")]
    Status(String),
    /// `X-de-mail-authoritative: yes` with a hash-only integrity field.
    #[error("authoritative message without signature (TR 01201-3.1 Schritt 48, FC-04)")]
    UnsignedAuthoritative,
}

impl Failure {
    /// The FU error case.
    pub fn case(&self) -> ErrorCase {
        match self {
            Failure::Certificate(_) => ErrorCase::Fc02CertificateInvalid,
            Failure::Status(_) => ErrorCase::Fc03StatusUnchecked,
            Failure::UnsignedAuthoritative => ErrorCase::Fc04MissingSignature,
            _ => ErrorCase::Fc01IntegrityViolation,
        }
    }
}

/// The outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Hash (and signature, certificate and chain, when signed) all check out.
    Pass,
    /// The signature is mathematically valid and the certificate acceptable,
    /// but no trust anchor was given, so the signer is not trusted.
    SignatureValidUntrusted,
    /// The message fails.
    Fail(Failure),
}

/// Whether the certificate status was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusResult {
    /// No [`StatusCheck`] was given (or the message is not signed).
    NotChecked,
    /// The check passed.
    Good,
    /// The check failed with this reason.
    Failed(String),
}

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationReport {
    /// Hash-only or signed; `None` when the field is missing or malformed.
    pub mode: Option<IntegrityMode>,
    /// The `a=` algorithm.
    pub algorithm: Option<Algorithm>,
    /// Whether `bh=` matches the body.
    pub body_hash_ok: Option<bool>,
    /// Whether `b=` matches (hash-only) or verifies (signed).
    pub header_ok: Option<bool>,
    /// The signer's certificate, when signed.
    pub certificate: Option<Certificate>,
    /// Whether the certificate chains to a trust anchor (`None`: not checked).
    pub trusted: Option<bool>,
    /// The status check.
    pub status: StatusResult,
    /// The outcome.
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
            status: StatusResult::NotChecked,
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
}

/// Verifies the integrity field of a parsed message.
pub fn verify(envelope: &Envelope<'_>, options: &VerifyOptions<'_>) -> VerificationReport {
    let report = VerificationReport::new();
    let Some(field) = envelope.field(FieldName::Integrity) else {
        return report.fail(Failure::MissingIntegrity);
    };
    let value = field.unfolded_value();
    let tags = match IntegrityTags::parse(&value) {
        Ok(tags) => tags,
        Err(error) => return report.fail(Failure::Malformed(error)),
    };
    check_tags(envelope, &tags, options, report, field)
}

fn check_tags(
    envelope: &Envelope<'_>,
    tags: &IntegrityTags<'_>,
    options: &VerifyOptions<'_>,
    mut report: VerificationReport,
    field: &crate::header::RawField<'_>,
) -> VerificationReport {
    report.algorithm = Some(tags.algorithm);
    report.mode = Some(match tags.algorithm.signature {
        Some(_) => IntegrityMode::Signed,
        None => IntegrityMode::HashOnly,
    });
    if let Some(missing) = unsigned_mandated_field(envelope, &tags.headers) {
        return report.fail(Failure::FieldNotSigned(missing));
    }
    let hash = tags.algorithm.hash;
    let body_ok = body_hash(envelope.body(), hash) == tags.body_hash;
    report.body_hash_ok = Some(body_ok);
    let input = header_input(envelope.fields(), &tags.headers, field);
    let digest = hash.digest(&input);
    let Some(scheme) = tags.algorithm.signature else {
        let header_ok = digest == tags.value;
        report.header_ok = Some(header_ok);
        return if !body_ok {
            report.fail(Failure::BodyHashMismatch)
        } else if !header_ok {
            report.fail(Failure::HeaderHashMismatch)
        } else if envelope.metadata().authoritative == Some(true) {
            report.fail(Failure::UnsignedAuthoritative)
        } else {
            report
        };
    };
    check_signature(envelope, scheme, tags, &input, &digest, options, report)
}

fn check_signature(
    envelope: &Envelope<'_>,
    scheme: SignatureScheme,
    tags: &IntegrityTags<'_>,
    input: &[u8],
    digest: &[u8],
    options: &VerifyOptions<'_>,
    mut report: VerificationReport,
) -> VerificationReport {
    let Some(text) = envelope.metadata().signature_certificate.as_deref() else {
        return report.fail(Failure::MissingCertificate);
    };
    let certificate = match Certificate::from_base64(text) {
        Ok(certificate) => certificate,
        Err(error) => return report.fail(Failure::Certificate(error)),
    };
    let signature = crypto::verify(
        &certificate.public_key,
        scheme,
        tags.algorithm.hash,
        input,
        digest,
        &tags.value,
    );
    report.header_ok = Some(signature.is_ok());
    let body_ok = report.body_hash_ok == Some(true);
    let checked = certificate.check(options.time, &options.key_policy);
    let chain = (!options.trust_anchors.is_empty())
        .then(|| certificate.verify_chain(options.trust_anchors, options.intermediates, options.time));
    report.trusted = chain.as_ref().map(Result::is_ok);
    let status = options
        .status_check
        .map(|check| check.check(&certificate, options.time));
    report.status = match &status {
        None => StatusResult::NotChecked,
        Some(Ok(())) => StatusResult::Good,
        Some(Err(reason)) => StatusResult::Failed(reason.clone()),
    };
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
        Some(Ok(())) => {}
    }
    if let Some(Err(reason)) = status {
        return report.fail(Failure::Status(reason));
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
