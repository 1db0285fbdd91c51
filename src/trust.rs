//! Trust evaluation (Vertrauensprüfung) of a signer certificate, one for
//! every verifier of the crate: the integrity field (TR 01201-3.4 §3.1.21,
//! PVD FU Schritt 48), the XML signature of confirmations (§3.5.1), ident
//! assertions (ID IO §2.6) and S/MIME signatures.
//!
//! - [`VerifyOptions`]: the time, trust anchors, intermediates, key policy,
//!   status hook and provider directory a verification uses.
//! - [`check_certificate`]: validity, signature key usage and [`KeyPolicy`]
//!   (BSI TR-03116-4, TR-02102-1).
//! - [`verify_chain`]: path building to the trust anchors (rustls-webpki),
//!   with the crate's CA rule (D50) and [`ProviderKeyUsage`] (D51).
//! - [`VerifyOptions::check_status`]: the signer certificate's revocation
//!   status ([`crate::status::check_status`]) from the caller's
//!   [`Evidence`], against the issuer of the verified path, judged by the
//!   [`StatusPolicy`] (revoked → FC-02; unknown, unavailable → FC-03; PVD FU
//!   Schritt 48, docs/decisions.md D155–D157); [`VerifyOptions::check_chain`]
//!   the same for every CA of the path (D202).
//! - [`VerifyOptions::require_qualified`]: the signer must hold an EU
//!   qualified certificate by its QCStatements ([`check_qualified`], D201).
//!
//! The key that verifies a De-Mail signature comes only from the signer's
//! certificate, never from DNS (§3.1.21); everything here is a pure function
//! of the certificate, the caller's anchors and the caller's time.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use demail::certificate::{Certificate, CertificateError, KeyRule};
//! use demail::status::CertificateStatus;
//! use demail::trust::{KeyPolicy, VerifyOptions, verify_chain};
//!
//! let read = |name: &str| std::fs::read_to_string(format!("tests/data/keys/{name}.cert.pem"));
//! let signer = Certificate::from_pem(&read("p256")?)?;
//! let anchors = [Certificate::from_pem(&read("ca")?)?];
//! let intermediates = [Certificate::from_pem(&read("intermediate")?)?];
//! let at = UNIX_EPOCH + Duration::from_secs(1_795_478_400); // 2026-11-24
//! let issuer = verify_chain(&signer, &anchors, &intermediates, at)?;
//! assert_eq!(issuer, intermediates[0]);
//!
//! let options = VerifyOptions { time: at, trust_anchors: &anchors, intermediates: &intermediates, ..VerifyOptions::default() };
//! assert_eq!(options.check_certificate(&signer), Ok(()));
//! assert_eq!(options.verify_path(&signer, &[]), Some(Ok(vec![intermediates[0].clone(), anchors[0].clone()])));
//! // No evidence given: not checked, which the default policy lets pass with a warning (D155).
//! let status = options.check_status(&signer, Some(&issuer));
//! assert_eq!(status, CertificateStatus::NotChecked);
//! assert!(!options.status_refuses(&status));
//!
//! let weak = Certificate::from_pem(&read("rsa1024")?)?;
//! assert!(matches!(
//!     KeyPolicy::default().check(&weak.public_key),
//!     Err(CertificateError::WeakKey { rule: KeyRule::RsaTooShort { min_bits: 2048 }, .. })
//! ));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::cell::RefCell;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustls_pki_types::{CertificateDer, UnixTime};
use webpki::{ExtendedKeyUsageValidator, KeyPurposeId, KeyPurposeIdIter, VerifiedPath};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::certificate::{CaRequirement, Certificate, CertificateError, DerError, KeyRule, der_error};
use crate::certificate_cache::{CachedPath, CertificateCache};
use crate::crypto::{Curve, PublicKey};
use crate::fields::unix_seconds;
use crate::provider_directory::ProviderDirectory;
use crate::qualified::{QcStatements, QcType};
use crate::status::{
    CertificateStatus, ChainCertificate, Evidence, Indication, StatusOptions, StatusPlan, TimeBasis,
};

/// No status evidence (the default of [`VerifyOptions::status_evidence`]).
static NO_EVIDENCE: Evidence = Evidence {
    crls: Vec::new(),
    ocsp_responses: Vec::new(),
    failed_fetches: Vec::new(),
};

/// The inputs of a verification besides the message, for every verifier:
/// [`crate::integrity::verify()`], [`crate::xmldsig::verify()`], the
/// confirmation, ident and S/MIME checks. `duplicate_fields` and
/// `require_signature` are read by the integrity verifier only
/// (docs/decisions.md D100).
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
    /// Revocation evidence for the signer certificate (CRLs, OCSP
    /// responses; TR 01201-3.4 §3.1.21, PVD FU Schritt 48). Default: none.
    pub status_evidence: &'a Evidence,
    /// How OCSP responses are judged (nonce, age without `nextUpdate`).
    pub status_options: StatusOptions,
    /// What a status other than good means for the verdict (D155).
    pub status_policy: StatusPolicy,
    /// What [`VerifyOptions::time`] stands for, for the ETSI indication
    /// (EN 319 102-1 §5.1.3, D134). Default [`TimeBasis::Now`].
    pub time_basis: TimeBasis,
    /// Duplicates of signed fields: refuse (default) or first wins.
    pub duplicate_fields: DuplicatePolicy,
    /// Fail every hash-only message (FC-04), for services that accept only
    /// signed mail. Confirmations fail hash-only regardless.
    pub require_signature: bool,
    /// Which providers may sign for which domains; `None`: not checked.
    pub provider_directory: Option<&'a dyn ProviderDirectory>,
    /// Require the signer certificate to be an EU qualified certificate for
    /// seals or signatures by its QCStatements ([`check_qualified`];
    /// TR 01201-3.4 §3.5.1; D201); otherwise it fails FC-02 with
    /// [`CertificateError::NotQualified`]. Default: not required.
    pub require_qualified: bool,
    /// Parsed signer certificates and their verified paths, kept between
    /// verifications (a [`Verifier`](crate::verifier::Verifier)'s; D191,
    /// D192). `None` (the default): every certificate is parsed and every
    /// path built afresh. Paths are reused only when
    /// [`VerifyOptions::trust_anchors`] and [`VerifyOptions::intermediates`]
    /// are the cache's own.
    pub certificate_cache: Option<&'a CertificateCache>,
}

impl Default for VerifyOptions<'_> {
    /// Now, no trust anchors, the default [`KeyPolicy`], no status evidence
    /// with [`StatusPolicy::IfGiven`], duplicates refused, hash-only allowed where the TR allows it, no
    /// provider directory.
    fn default() -> Self {
        VerifyOptions {
            time: SystemTime::now(),
            trust_anchors: &[],
            intermediates: &[],
            key_policy: KeyPolicy::default(),
            status_evidence: &NO_EVIDENCE,
            status_options: StatusOptions::default(),
            status_policy: StatusPolicy::default(),
            time_basis: TimeBasis::Now,
            duplicate_fields: DuplicatePolicy::default(),
            require_signature: false,
            provider_directory: None,
            require_qualified: false,
            certificate_cache: None,
        }
    }
}

impl VerifyOptions<'_> {
    /// The signer certificate at [`VerifyOptions::time`]: validity,
    /// signature key usage and [`VerifyOptions::key_policy`]
    /// ([`check_certificate`]), and, when
    /// [`VerifyOptions::require_qualified`], [`check_qualified`].
    ///
    /// # Errors
    /// The first failed check.
    pub fn check_certificate(&self, certificate: &Certificate) -> Result<(), CertificateError> {
        check_certificate(certificate, self.time, &self.key_policy)?;
        if self.require_qualified {
            check_qualified(certificate)?;
        }
        Ok(())
    }

    /// The signer certificate with DER encoding `der`: from
    /// [`VerifyOptions::certificate_cache`] when there is one, else parsed
    /// ([`Certificate::from_der`]).
    ///
    /// # Errors
    /// Why the DER is not a certificate.
    pub fn certificate(&self, der: Vec<u8>) -> Result<Certificate, CertificateError> {
        match self.certificate_cache {
            Some(cache) => cache.certificate(&der).map(|cached| Certificate::clone(&cached)),
            None => Certificate::from_der(der),
        }
    }

    /// The signer certificate whose DER is the base64 `text`, as
    /// `X-de-mail-signature-certificate` carries it (TR 01201-3.4 §3.1.14;
    /// white space ignored): from [`VerifyOptions::certificate_cache`] by
    /// the exact text when there is one
    /// ([`CertificateCache::certificate_from_base64`], D207), else decoded
    /// and parsed.
    ///
    /// # Errors
    /// [`CertificateError::Encoding`] when `text` is not base64, or why the
    /// DER is not a certificate.
    pub fn certificate_from_base64(&self, text: &str) -> Result<Certificate, CertificateError> {
        match self.certificate_cache {
            Some(cache) => cache
                .certificate_from_base64(text)
                .map(|cached| Certificate::clone(&cached)),
            None => Certificate::from_der(crate::pem::decode_base64(text).ok_or(CertificateError::Encoding)?),
        }
    }

    /// The path from `certificate` to a trust anchor
    /// ([`verify_certification_path`]), with
    /// [`VerifyOptions::intermediates`] and `carried` (certificates the
    /// signature itself carries, never used as anchors), answering the CA
    /// certificates of the verified path: the issuer of `certificate`
    /// first, the trust anchor last. `None` when no trust anchors were
    /// given: the signer cannot be trusted, and no path is built.
    pub fn verify_path(
        &self,
        certificate: &Certificate,
        carried: &[Certificate],
    ) -> Option<Result<Vec<Certificate>, CertificateError>> {
        if self.trust_anchors.is_empty() {
            return None;
        }
        if carried.is_empty() {
            return Some(match self.certificate_cache {
                Some(cache) if cache.serves(self.trust_anchors, self.intermediates) => {
                    cached_path(cache, certificate, self.time)
                }
                _ => {
                    verify_certification_path(certificate, self.trust_anchors, self.intermediates, self.time)
                }
            });
        }
        let intermediates: Vec<Certificate> = self.intermediates.iter().chain(carried).cloned().collect();
        Some(verify_certification_path(
            certificate,
            self.trust_anchors,
            &intermediates,
            self.time,
        ))
    }

    /// The status requests that would decide the status of `certificate`
    /// and of every CA of its verified path ([`VerifyOptions::verify_path`];
    /// D202, D217): what an async caller fetches itself before verifying
    /// again with the answers as [`VerifyOptions::status_evidence`]. `None`
    /// without trust anchors or without a path: evidence is only judged
    /// against a verified issuer (D156), so none is asked for.
    pub fn status_plan(&self, certificate: &Certificate) -> Option<StatusPlan> {
        let path = self.verify_path(certificate, &[])?.ok()?;
        Some(StatusPlan::for_path(certificate, &path))
    }

    /// The revocation status of `certificate` at [`VerifyOptions::time`]
    /// from [`VerifyOptions::status_evidence`] ([`crate::status::check_status`]),
    /// with `issuer` the issuing certificate of the verified path
    /// ([`VerifyOptions::verify_path`]). Without an issuer (no trust anchors,
    /// or no path) the status is [`CertificateStatus::NotChecked`]: evidence
    /// is only judged against a verified issuer (D156).
    pub fn check_status(&self, certificate: &Certificate, issuer: Option<&Certificate>) -> CertificateStatus {
        match issuer {
            None => CertificateStatus::NotChecked,
            Some(issuer) => crate::status::check_status(
                certificate,
                issuer,
                self.time,
                self.status_evidence,
                &self.status_options,
            ),
        }
    }

    /// The status of every CA certificate of `path` (as
    /// [`VerifyOptions::verify_path`] answers it: the issuer of
    /// `certificate` first, the trust anchor last) at
    /// [`VerifyOptions::time`], from the same evidence as the signer's
    /// ([`crate::status::check_ca_status`]; RFC 5280 §6.1.3 a 3; D202).
    /// The trust anchor is listed with [`CertificateStatus::NotChecked`]:
    /// the caller trusts it.
    pub fn check_chain(&self, certificate: &Certificate, path: &[Certificate]) -> Vec<ChainCertificate> {
        let mut below = vec![certificate.clone()];
        let mut chain = Vec::with_capacity(path.len());
        for (index, ca) in path.iter().enumerate() {
            below.push(ca.clone());
            let status = match path.get(index + 1) {
                Some(issuer) => crate::status::check_ca_status(
                    &below,
                    issuer,
                    self.time,
                    self.status_evidence,
                    &self.status_options,
                ),
                None => CertificateStatus::NotChecked,
            };
            chain.push(ChainCertificate {
                certificate: ca.clone(),
                anchor: index + 1 == path.len(),
                status,
            });
        }
        chain
    }

    /// The status that fails the verification, if one does (D202): the
    /// signer's `status` when [`VerifyOptions::status_refuses`] it, else a
    /// revoked CA of `chain` (FC-02 for the signer), else the first CA
    /// status the policy refuses. The trust anchor never refuses.
    pub fn refused_status<'s>(
        &self,
        status: &'s CertificateStatus,
        chain: &'s [ChainCertificate],
    ) -> Option<&'s CertificateStatus> {
        self.refusal(status, chain).map(|(refused, _)| refused)
    }

    /// The ETSI EN 319 102-1 indication of a signer with `status` and
    /// `chain`: that of the status that fails the verification
    /// ([`VerifyOptions::refused_status`]) — of a CA by [`Indication::of_ca`]
    /// (REVOKED_CA_NO_POE) — else that of `status` (D134, D202).
    pub fn path_indication(&self, status: &CertificateStatus, chain: &[ChainCertificate]) -> Indication {
        match self.refusal(status, chain) {
            Some((ca_status, true)) => Indication::of_ca(ca_status, self.time_basis),
            _ => self.indication(status),
        }
    }

    /// The refused status, and whether it is a CA's.
    fn refusal<'s>(
        &self,
        status: &'s CertificateStatus,
        chain: &'s [ChainCertificate],
    ) -> Option<(&'s CertificateStatus, bool)> {
        if self.status_refuses(status) {
            return Some((status, false));
        }
        let cas = || chain.iter().filter(|c| !c.anchor).map(|c| &c.status);
        cas()
            .find(|s| matches!(s, CertificateStatus::Revoked { .. }))
            .or_else(|| cas().find(|s| self.status_refuses(s)))
            .map(|refused| (refused, true))
    }

    /// The ETSI EN 319 102-1 indication of `status` at
    /// [`VerifyOptions::time_basis`] ([`Indication::of`], D134).
    pub fn indication(&self, status: &CertificateStatus) -> Indication {
        Indication::of(status, self.time_basis)
    }

    /// Whether `status` fails the verification under
    /// [`VerifyOptions::status_policy`] (D155): revoked always (FC-02);
    /// unknown and unavailable always (evidence was given for the
    /// certificate and did not confirm it, FC-03); not checked, or evidence
    /// only about other certificates (D157) or not fetched (D196), only under
    /// [`StatusPolicy::Require`] (FC-03). Good and revoked after the
    /// verification time (D131) never fail.
    pub fn status_refuses(&self, status: &CertificateStatus) -> bool {
        match status {
            CertificateStatus::NotChecked => self.status_policy == StatusPolicy::Require,
            CertificateStatus::Unavailable(unavailable) if unavailable.silent() => {
                self.status_policy == StatusPolicy::Require
            }
            other => other.error_case().is_some(),
        }
    }
}

/// What a certificate status that is not "good" means for a verification
/// (PVD FU Schritt 48; docs/decisions.md D155). A revoked certificate
/// fails (FC-02) under every policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum StatusPolicy {
    /// The default: status evidence is judged when given — unknown or
    /// unusable evidence fails with FC-03 — and a signature without any
    /// evidence passes with the status [`CertificateStatus::NotChecked`]
    /// and the indication INDETERMINATE/TRY_LATER in the report, a warning
    /// the caller must read.
    #[default]
    IfGiven,
    /// Status evidence is required: not checked, unknown or unavailable
    /// fails with FC-03 (the caller may retry with fresh evidence:
    /// TRY_LATER).
    Require,
}

/// What to do when a field listed in `h=` occurs more than once
/// (docs/decisions.md D46).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DuplicatePolicy {
    /// Fail with FC-01 (default): readers disagree on which occurrence counts
    /// (mail-parser returns the last, the TR hashes the first).
    #[default]
    Refuse,
    /// The TR-literal reading of §3.1.1/§3.1.21: the first from the top wins.
    /// Every duplicate is still listed in [`VerificationReport::duplicates`](crate::integrity::VerificationReport::duplicates).
    FirstWins,
}

/// The minimum key strength a verifier accepts.
///
/// The default accepts RSA from 2048 bits and the curves P-256, P-384,
/// brainpoolP256r1 and brainpoolP384r1 (BSI TR-03116-4). [`KeyPolicy::tr_02102`]
/// raises RSA to 3000 bits, as BSI TR-02102-1 recommends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPolicy {
    /// Smallest RSA modulus in bits.
    pub min_rsa_bits: usize,
    /// The curves accepted for ECDSA.
    pub curves: Vec<Curve>,
}

impl Default for KeyPolicy {
    fn default() -> Self {
        KeyPolicy {
            min_rsa_bits: 2048,
            curves: vec![
                Curve::P256,
                Curve::P384,
                Curve::BrainpoolP256r1,
                Curve::BrainpoolP384r1,
            ],
        }
    }
}

impl KeyPolicy {
    /// The policy of BSI TR-02102-1: RSA of at least 3000 bits.
    pub fn tr_02102() -> Self {
        KeyPolicy {
            min_rsa_bits: 3000,
            ..KeyPolicy::default()
        }
    }

    /// Checks a key against the policy.
    ///
    /// # Errors
    /// [`CertificateError::WeakKey`] naming the rule.
    pub fn check(&self, key: &PublicKey) -> Result<(), CertificateError> {
        let rule = match key {
            PublicKey::Rsa { bits, .. } if *bits < self.min_rsa_bits => KeyRule::RsaTooShort {
                min_bits: self.min_rsa_bits,
            },
            PublicKey::Ec { curve, .. } if !self.curves.contains(curve) => KeyRule::CurveNotApproved,
            PublicKey::Other(_) => KeyRule::AlgorithmNotAllowed,
            _ => return Ok(()),
        };
        Err(CertificateError::WeakKey {
            key: key.describe(),
            rule,
        })
    }
}

/// Checks the signer certificate at `time`: validity (notBefore, notAfter),
/// signature key usage and the key against `policy`.
///
/// # Errors
/// The first failed check.
pub fn check_certificate(
    certificate: &Certificate,
    time: SystemTime,
    policy: &KeyPolicy,
) -> Result<(), CertificateError> {
    let now = unix_seconds(time);
    if now < certificate.not_before {
        return Err(CertificateError::NotYetValid {
            not_before: certificate.not_before,
            time: now,
        });
    }
    if now > certificate.not_after {
        return Err(CertificateError::Expired {
            not_after: certificate.not_after,
            time: now,
        });
    }
    if certificate.signature_key_usage == Some(false) {
        return Err(CertificateError::NoSignatureKeyUsage);
    }
    policy.check(&certificate.public_key)
}

/// Checks that `certificate` chains to one of `anchors` at `time`,
/// using `intermediates` to build the path, and returns the issuer of
/// `certificate` on the verified path ([`verify_certification_path`], whose
/// first certificate it is).
///
/// # Errors
/// As [`verify_certification_path`].
pub fn verify_chain(
    certificate: &Certificate,
    anchors: &[Certificate],
    intermediates: &[Certificate],
    time: SystemTime,
) -> Result<Certificate, CertificateError> {
    let mut path = verify_certification_path(certificate, anchors, intermediates, time)?;
    Ok(path.swap_remove(0))
}

/// Checks that `certificate` chains to one of `anchors` at `time`,
/// using `intermediates` to build the path (Zertifizierungspfad).
///
/// Besides what rustls-webpki checks (signatures along the chain,
/// validity, basicConstraints of the intermediates, path length), every
/// CA certificate on the path, the trust anchor included, must be a CA by
/// basicConstraints and assert keyCertSign (RFC 5280 §4.2.1.3, §4.2.1.9;
/// docs/decisions.md D50), and every certificate's extended key usage
/// must pass [`ProviderKeyUsage`] (D51). A path that breaks the CA rule is
/// set aside and the next candidate path is tried.
///
/// Returns the CA certificates of the verified path, never empty: the
/// issuer of `certificate` first (the certificate whose CRLs and OCSP
/// responses speak for `certificate`, RFC 5280 §6.3, RFC 6960 §4.2.2.2),
/// then the intermediates above it, the trust anchor last.
///
/// # Errors
/// [`CertificateError::CaCannotSignCertificates`] naming the CA when the
/// only paths found break the CA rule, else
/// [`CertificateError::Untrusted`] with the path validator's error.
pub fn verify_certification_path(
    certificate: &Certificate,
    anchors: &[Certificate],
    intermediates: &[Certificate],
    time: SystemTime,
) -> Result<Vec<Certificate>, CertificateError> {
    verified_path(certificate, anchors, intermediates, time).map(|path| path.path)
}

/// [`verify_certification_path`] through `cache`: a path found before is
/// reused while every certificate on it is valid at `time`; otherwise the
/// path is built and, when found, kept (D192). Failures are never kept.
fn cached_path(
    cache: &CertificateCache,
    certificate: &Certificate,
    time: SystemTime,
) -> Result<Vec<Certificate>, CertificateError> {
    if let Some(path) = cache.path(certificate, unix_seconds(time)) {
        return Ok(path);
    }
    let path = verified_path(certificate, cache.trust_anchors(), cache.intermediates(), time)?;
    let cas = path.path.clone();
    cache.set_path(certificate, path);
    Ok(cas)
}

/// [`verify_certification_path`], answering the CA certificates of the
/// verified path and the window in which every certificate of it, the
/// anchor included, is valid.
fn verified_path(
    certificate: &Certificate,
    anchors: &[Certificate],
    intermediates: &[Certificate],
    time: SystemTime,
) -> Result<CachedPath, CertificateError> {
    let anchor_ders: Vec<CertificateDer<'_>> =
        anchors.iter().map(|a| CertificateDer::from(a.der())).collect();
    let trust_anchors = anchor_ders
        .iter()
        .map(|der| webpki::anchor_from_trusted_cert(der).map_err(CertificateError::Untrusted))
        .collect::<Result<Vec<_>, _>>()?;
    let intermediate_ders: Vec<CertificateDer<'_>> = intermediates
        .iter()
        .map(|c| CertificateDer::from(c.der()))
        .collect();
    let end_entity_der = CertificateDer::from(certificate.der());
    let end_entity = webpki::EndEntityCert::try_from(&end_entity_der).map_err(CertificateError::Untrusted)?;
    let time = UnixTime::since_unix_epoch(time.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO));
    let rejected: RefCell<Option<CertificateError>> = RefCell::new(None);
    let found: RefCell<Option<CachedPath>> = RefCell::new(None);
    let ca_rule = |path: &VerifiedPath<'_>| {
        let anchor = trust_anchors
            .iter()
            .position(|a| std::ptr::eq(a, path.anchor()))
            .and_then(|i| anchors.get(i));
        let cas: Vec<Vec<u8>> = path
            .intermediate_certificates()
            .map(|c| c.der().as_ref().to_vec())
            .collect();
        for der in cas.iter().map(Vec::as_slice).chain(anchor.map(Certificate::der)) {
            if let Err(error) = ca_may_sign_certificates(der) {
                *rejected.borrow_mut() = Some(error);
                // Any error makes webpki try the next candidate path.
                return Err(webpki::Error::CaUsedAsEndEntity);
            }
        }
        // Every certificate of the path is one of `intermediates` or `anchors`.
        let on_path: Vec<Option<&Certificate>> = cas
            .iter()
            .map(|der| intermediates.iter().find(|c| c.der() == der.as_slice()))
            .chain([anchor])
            .collect();
        let (valid_from, valid_until) = validity_window(certificate, &on_path);
        let path: Option<Vec<Certificate>> = on_path.iter().map(|c| c.cloned()).collect();
        *found.borrow_mut() = path.map(|path| CachedPath {
            path,
            valid_from,
            valid_until,
        });
        Ok(())
    };
    let result = end_entity.verify_for_usage(
        &crate::crypto::chain_algorithms(),
        &trust_anchors,
        &intermediate_ders,
        time,
        ProviderKeyUsage,
        None,
        Some(&ca_rule),
    );
    match (result, rejected.into_inner()) {
        // The path's certificates are of `intermediates` or `anchors` by construction.
        (Ok(_), _) => found
            .into_inner()
            .ok_or(CertificateError::Untrusted(webpki::Error::UnknownIssuer)),
        (Err(_), Some(ca_error)) => Err(ca_error),
        (Err(webpki::Error::RequiredEkuNotFoundContext(context)), None) => {
            Err(CertificateError::KeyPurposeNotAccepted {
                present: context.present.iter().map(|oid| dotted(oid)).collect(),
                cause: webpki::Error::RequiredEkuNotFoundContext(context),
            })
        }
        (Err(error), None) => Err(CertificateError::Untrusted(error)),
    }
}

/// Whether `certificate` is an EU qualified certificate for seals or for
/// signatures: QcCompliance with a QcType naming eseal or esign (ETSI
/// EN 319 412-5 §4.2.1, §4.2.3; D135, D201).
///
/// # Errors
/// [`CertificateError::NotQualified`] with what the QCStatements say; an
/// extension that does not decode counts as none (fail closed).
pub fn check_qualified(certificate: &Certificate) -> Result<(), CertificateError> {
    let statements = QcStatements::of(certificate);
    let readable = statements.is_ok();
    let statements = statements.ok().flatten().unwrap_or_default();
    if statements.qualified_for(&QcType::ESeal) || statements.qualified_for(&QcType::ESign) {
        return Ok(());
    }
    Err(CertificateError::NotQualified {
        subject: certificate.subject.clone(),
        compliance: statements.compliance,
        types: statements.types.iter().map(|t| t.code().to_owned()).collect(),
        readable,
    })
}

/// The seconds since the epoch in which `certificate` and every
/// certificate of `path` are valid; empty (never holds) when a certificate
/// of the path is unknown.
fn validity_window(certificate: &Certificate, path: &[Option<&Certificate>]) -> (i64, i64) {
    path.iter().fold(
        (certificate.not_before, certificate.not_after),
        |(from, until), on_path| match on_path {
            Some(c) => (from.max(c.not_before), until.min(c.not_after)),
            None => (i64::MAX, i64::MIN),
        },
    )
}

/// RFC 5280 §4.2.1.3, §4.2.1.9: a certificate that signs certificates is a CA
/// by basicConstraints and asserts keyCertSign.
fn ca_may_sign_certificates(der: &[u8]) -> Result<(), CertificateError> {
    let (_, cert) = X509Certificate::from_der(der).map_err(der_error)?;
    let fail = |requirement| CertificateError::CaCannotSignCertificates {
        subject: cert.subject().to_string(),
        requirement,
    };
    let is_ca = cert
        .basic_constraints()
        .map_err(|e| CertificateError::Der(DerError(e)))?
        .is_some_and(|bc| bc.value.ca);
    if !is_ca {
        return Err(fail(CaRequirement::NotCa));
    }
    match cert.key_usage().map_err(|e| CertificateError::Der(DerError(e)))? {
        None => Err(fail(CaRequirement::NoKeyUsage)),
        Some(usage) if !usage.value.key_cert_sign() => Err(fail(CaRequirement::NoKeyCertSign)),
        Some(_) => Ok(()),
    }
}

fn dotted(arcs: &[usize]) -> String {
    arcs.iter().map(usize::to_string).collect::<Vec<_>>().join(".")
}

/// The extended key usage rule for provider signature certificates
/// (docs/decisions.md D51): a certificate without the extension, or one
/// naming emailProtection (1.3.6.1.5.5.7.3.4), documentSigning
/// (1.3.6.1.5.5.7.3.36) or anyExtendedKeyUsage (2.5.29.37.0) is accepted; a
/// list naming only other purposes (serverAuth alone, ...) is refused. The
/// TR names no EKU for the Signaturzertifikat (§3.1.14), so none is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderKeyUsage;

/// The purposes [`ProviderKeyUsage`] accepts, as DER contents of the OIDs.
pub const ACCEPTED_KEY_PURPOSES: [&[u8]; 3] = [EMAIL_PROTECTION, DOCUMENT_SIGNING, ANY_EXTENDED_KEY_USAGE];

impl ExtendedKeyUsageValidator for ProviderKeyUsage {
    fn validate(&self, iter: KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
        let mut present = Vec::new();
        for id in iter {
            let id = id?;
            if ACCEPTED_KEY_PURPOSES
                .iter()
                .any(|accepted| KeyPurposeId::new(accepted) == id)
            {
                return Ok(());
            }
            present.push(id.to_decoded_oid());
        }
        if present.is_empty() {
            return Ok(());
        }
        Err(webpki::Error::RequiredEkuNotFoundContext(
            webpki::RequiredEkuNotFoundContext {
                required: webpki::KeyUsage::required(EMAIL_PROTECTION),
                present,
            },
        ))
    }
}

/// id-kp-emailProtection (1.3.6.1.5.5.7.3.4), DER contents of the OID.
const EMAIL_PROTECTION: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x04];
/// id-kp-documentSigning (1.3.6.1.5.5.7.3.36, RFC 9336).
const DOCUMENT_SIGNING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x24];
/// anyExtendedKeyUsage (2.5.29.37.0, RFC 5280 §4.2.1.12).
const ANY_EXTENDED_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25, 0x00];

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(name: &str) -> Certificate {
        let pem = std::fs::read_to_string(format!("tests/data/keys/{name}.cert.pem")).unwrap();
        Certificate::from_pem(&pem).unwrap()
    }

    /// 2026-11-24, inside the validity of the test PKI.
    fn at() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_795_478_400)
    }

    // PVD FU Schritt 48, D155, D157: revoked and stale evidence always fail; not checked, or
    // evidence only about other certificates, only when status is required
    #[test]
    fn status_policy_fails_revoked_always_and_not_checked_only_when_required() {
        let options = VerifyOptions {
            time: at(),
            ..VerifyOptions::default()
        };
        let revoked = CertificateStatus::Revoked {
            revocation: crate::status::Revocation {
                time: at(),
                reason: None,
            },
            source: crate::status::StatusSource::Crl { index: 0 },
        };
        let rejected = |error| crate::status::RejectedEvidence {
            kind: crate::status::EvidenceKind::Crl,
            index: 0,
            error,
        };
        let stale = CertificateStatus::Unavailable(crate::status::StatusUnavailable {
            rejected: vec![rejected(crate::status::EvidenceError::CrlStale {
                next_update: at(),
            })],
        });
        let other_issuer = CertificateStatus::Unavailable(crate::status::StatusUnavailable {
            rejected: vec![rejected(crate::status::EvidenceError::CrlNotInScope)],
        });
        let empty = CertificateStatus::Unavailable(crate::status::StatusUnavailable { rejected: Vec::new() });
        assert!(options.status_refuses(&revoked));
        assert!(options.status_refuses(&stale));
        assert!(options.status_refuses(&empty));
        assert!(!options.status_refuses(&other_issuer));
        assert!(!options.status_refuses(&CertificateStatus::NotChecked));
        let strict = VerifyOptions {
            status_policy: StatusPolicy::Require,
            ..options
        };
        assert!(strict.status_refuses(&CertificateStatus::NotChecked));
        assert!(strict.status_refuses(&other_issuer));
        assert!(strict.status_refuses(&revoked));
    }

    // PVD FU Schritt 48, D196: a responder that did not answer says nothing about the
    // certificate: unavailable (FC-03) refuses under Require only, like no evidence;
    // next to a stale piece it refuses always
    #[test]
    fn d196_not_fetched_refuses_only_when_required() {
        let not_fetched = crate::status::RejectedEvidence {
            kind: crate::status::EvidenceKind::Ocsp,
            index: 0,
            error: crate::status::EvidenceError::NotFetched(crate::status::FetchFailure {
                kind: crate::status::EvidenceKind::Ocsp,
                url: "http://127.0.0.1:1/".to_owned(),
                error: crate::status::FetchError::ConnectionFailed,
            }),
        };
        let stale = crate::status::RejectedEvidence {
            kind: crate::status::EvidenceKind::Crl,
            index: 0,
            error: crate::status::EvidenceError::CrlStale {
                next_update: std::time::SystemTime::UNIX_EPOCH,
            },
        };
        let down = CertificateStatus::Unavailable(crate::status::StatusUnavailable {
            rejected: vec![not_fetched.clone()],
        });
        let down_and_stale = CertificateStatus::Unavailable(crate::status::StatusUnavailable {
            rejected: vec![stale, not_fetched],
        });
        let options = VerifyOptions::default();
        assert!(!options.status_refuses(&down));
        assert!(options.status_refuses(&down_and_stale));
        let strict = VerifyOptions {
            status_policy: StatusPolicy::Require,
            ..VerifyOptions::default()
        };
        assert!(strict.status_refuses(&down));
        assert_eq!(down.error_case().map(|case| case.code()), Some("FC-03"));
    }

    // RFC 5280 §6.3: without a verified issuer no evidence is judged
    #[test]
    fn status_without_a_verified_issuer_is_not_checked() {
        let evidence = Evidence {
            crls: vec![vec![0x30, 0x00]],
            ocsp_responses: Vec::new(),
            failed_fetches: Vec::new(),
        };
        let options = VerifyOptions {
            time: at(),
            status_evidence: &evidence,
            ..VerifyOptions::default()
        };
        assert_eq!(
            options.check_status(&cert("p256"), None),
            CertificateStatus::NotChecked
        );
    }

    // TR 01201-3.4 §3.1.21: without trust anchors no path is built, so no signer is trusted
    #[test]
    fn no_path_is_built_without_trust_anchors() {
        let options = VerifyOptions {
            time: at(),
            intermediates: &[],
            ..VerifyOptions::default()
        };
        assert_eq!(options.verify_path(&cert("p256"), &[cert("intermediate")]), None);
    }

    // RFC 5280 §6.1: certificates carried in a signature complete the path but are never anchors
    #[test]
    fn carried_certificates_complete_the_path_but_are_never_anchors() {
        let signer = cert("p256");
        let anchors = [cert("ca")];
        let options = VerifyOptions {
            time: at(),
            trust_anchors: &anchors,
            ..VerifyOptions::default()
        };
        assert!(matches!(
            options.verify_path(&signer, &[]),
            Some(Err(CertificateError::Untrusted(_)))
        ));
        assert_eq!(
            options.verify_path(&signer, &[cert("intermediate")]),
            Some(Ok(vec![cert("intermediate"), cert("ca")]))
        );
        let other_anchors = [cert("bp-ca")];
        let options = VerifyOptions {
            trust_anchors: &other_anchors,
            ..options
        };
        assert!(matches!(
            options.verify_path(&signer, &[cert("intermediate"), cert("ca")]),
            Some(Err(CertificateError::Untrusted(_)))
        ));
    }

    // RFC 5280 §6.1.3 (a)(2), D192: a cached path holds only while every certificate on it is valid
    #[test]
    fn path_window_is_the_intersection_of_every_certificate_on_the_path() {
        let signer = cert("p256");
        let mut intermediate = cert("intermediate");
        intermediate.not_after = signer.not_after - 10;
        let mut anchor = cert("ca");
        anchor.not_before = signer.not_before + 5;
        assert_eq!(
            validity_window(&signer, &[Some(&intermediate), Some(&anchor)]),
            (signer.not_before + 5, signer.not_after - 10)
        );
        assert_eq!(
            validity_window(&signer, &[None, Some(&anchor)]),
            (i64::MAX, i64::MIN)
        );
        let path = verified_path(&signer, &[cert("ca")], &[cert("intermediate")], at()).unwrap();
        assert_eq!(path.path, [cert("intermediate"), cert("ca")]);
        assert_eq!(
            (path.valid_from, path.valid_until),
            (signer.not_before, signer.not_after)
        );
    }

    // D192: through a cache the first path is kept and reused inside its window, failures are not kept
    #[test]
    fn cached_chain_reuses_the_path_inside_its_window_only() {
        let cache = CertificateCache::new(vec![cert("ca")], vec![cert("intermediate")], 4);
        let options = VerifyOptions {
            time: at(),
            trust_anchors: cache.trust_anchors(),
            intermediates: cache.intermediates(),
            certificate_cache: Some(&cache),
            ..VerifyOptions::default()
        };
        let signer = options.certificate(cert("p256").der().to_vec()).unwrap();
        let path = vec![cert("intermediate"), cert("ca")];
        assert_eq!(options.verify_path(&signer, &[]), Some(Ok(path.clone())));
        assert_eq!(cache.path(&signer, unix_seconds(at())), Some(path));
        let expired = VerifyOptions {
            time: UNIX_EPOCH + Duration::from_secs(2_400_000_000), // 2046
            ..options
        };
        assert!(matches!(
            expired.verify_path(&signer, &[]),
            Some(Err(CertificateError::Untrusted(
                webpki::Error::CertExpired { .. }
            )))
        ));
        // Other anchors than the cache's: built afresh, never from the cache.
        let other_anchors = [cert("bp-ca")];
        let foreign = VerifyOptions {
            trust_anchors: &other_anchors,
            ..expired
        };
        let foreign = VerifyOptions {
            time: at(),
            ..foreign
        };
        assert!(matches!(
            foreign.verify_path(&signer, &[]),
            Some(Err(CertificateError::Untrusted(_)))
        ));
    }

    // BSI TR-03116-4 via KeyPolicy: the options' key policy is the one the certificate check applies
    #[test]
    fn certificate_check_applies_the_options_key_policy() {
        let rsa2048 = cert("rsa2048");
        let options = VerifyOptions {
            time: at(),
            ..VerifyOptions::default()
        };
        assert_eq!(options.check_certificate(&rsa2048), Ok(()));
        let strict = VerifyOptions {
            key_policy: KeyPolicy::tr_02102(),
            ..options
        };
        assert!(matches!(
            strict.check_certificate(&rsa2048),
            Err(CertificateError::WeakKey {
                rule: KeyRule::RsaTooShort { min_bits: 3000 },
                ..
            })
        ));
    }
}
