//! One CRL against one certificate (RFC 5280 §6.3), checked by
//! rustls-webpki's revocation support: scope (issuer name, issuing
//! distribution point), the issuer's signature over the CRL, and
//! `nextUpdate` after the verification time. The crate only reads the facts
//! webpki does not return: the entry's time and reason, and `thisUpdate`.
//!
//! A CA certificate of the path is checked the way webpki checks CRLs along
//! a chain (`RevocationCheckDepth::Chain`): the path from the signer up to
//! the CA, with the CA's issuer as the anchor (webpki takes no CA as end
//! entity, D133, D202).

use std::time::{Duration, SystemTime};

use rustls_pki_types::{CertificateDer, UnixTime};
use webpki::{
    BorrowedCertRevocationList, CertRevocationList, EndEntityCert, ExpirationPolicy,
    ExtendedKeyUsageValidator, KeyPurposeIdIter, RevocationCheckDepth, RevocationOptionsBuilder,
    UnknownStatusPolicy,
};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::revocation_list::CertificateRevocationList;

use super::{EvidenceError, Finding, Revocation, RevocationReason};
use crate::certificate::Certificate;
use crate::crypto::chain_algorithms;
use crate::pem::pem_to_der;

/// Checks `bytes` (DER or PEM) for the last certificate of `path`, issued
/// by `issuer`, at `time`. `path` is the signer alone, or the signer and
/// the CAs above it up to the CA whose status is asked (D202).
pub(super) fn check(
    bytes: &[u8],
    path: &[Certificate],
    issuer: &Certificate,
    time: SystemTime,
) -> Result<Finding, EvidenceError> {
    let Some(certificate) = path.last() else {
        return Err(EvidenceError::CrlNotInScope);
    };
    let der = to_der(bytes)?;
    let crl = CertRevocationList::from(
        BorrowedCertRevocationList::from_der(&der).map_err(EvidenceError::CrlDecode)?,
    );
    let (this_update, next_update) = update_times(&der)?;
    let serial = serial(certificate)?;
    let entry = crl
        .find_serial(&serial)
        .map_err(EvidenceError::CrlDecode)?
        .map(|entry| Revocation {
            time: system_time(entry.revocation_date),
            reason: entry
                .reason_code
                .and_then(|reason| RevocationReason::from_code(reason as u8)),
        });
    if path.len() > 1 && !covers_ca(&der, certificate)? {
        return Err(EvidenceError::CrlNotInScope);
    }
    match webpki_check(&crl, path, issuer, time) {
        Ok(()) => Ok(Finding::NotRevoked {
            this_update,
            next_update: Some(next_update),
        }),
        Err(webpki::Error::CertRevoked) => entry
            .map(Finding::Revoked)
            .ok_or(EvidenceError::CrlCheck(webpki::Error::CertRevoked)),
        Err(error) => Err(classify(error, next_update)),
    }
}

fn classify(error: webpki::Error, next_update: SystemTime) -> EvidenceError {
    use webpki::Error as E;
    match error {
        E::UnknownRevocationStatus => EvidenceError::CrlNotInScope,
        E::CrlExpired { .. } => EvidenceError::CrlStale { next_update },
        E::InvalidCrlSignatureForPublicKey
        | E::UnsupportedCrlSignatureAlgorithmContext(_)
        | E::UnsupportedCrlSignatureAlgorithmForPublicKeyContext(_)
        | E::IssuerNotCrlSigner => EvidenceError::CrlSignature(error),
        E::CertExpired { .. } | E::CertNotValidYet { .. } => EvidenceError::CertificateOutsideValidity(error),
        E::UnknownIssuer | E::InvalidSignatureForPublicKey => EvidenceError::NotIssuedBy(error),
        _ => EvidenceError::CrlCheck(error),
    }
}

/// Whether a CRL can speak for the CA certificate `ca` without
/// webpki's own scope check, which a chain check with
/// `UnknownStatusPolicy::Allow` passes over: the CRL's issuer is the CA's
/// issuer, and it has no issuing distribution point (a partitioned CRL
/// is not used for CAs; fail closed, D202).
fn covers_ca(der: &[u8], ca: &Certificate) -> Result<bool, EvidenceError> {
    let bad = || EvidenceError::CrlDecode(webpki::Error::BadDer);
    let (_, crl) = CertificateRevocationList::from_der(der).map_err(|_| bad())?;
    let (_, parsed) = X509Certificate::from_der(ca.der()).map_err(|_| bad())?;
    let partitioned = crl
        .extensions()
        .iter()
        .any(|e| e.oid.to_id_string() == ISSUING_DISTRIBUTION_POINT);
    Ok(crl.issuer().as_raw() == parsed.issuer().as_raw() && !partitioned)
}

/// id-ce-issuingDistributionPoint (RFC 5280 §5.2.5).
const ISSUING_DISTRIBUTION_POINT: &str = "2.5.29.28";

/// webpki's path check with `issuer` as the only anchor and this CRL as the
/// only revocation source: for the end entity alone (`path` of one), or
/// along the chain when `path` ends in a CA (then certificates the CRL
/// does not cover pass, see [`covers_ca`]). Key usage is not this module's
/// question ([`AnyKeyUsage`]).
fn webpki_check(
    crl: &CertRevocationList<'_>,
    path: &[Certificate],
    issuer: &Certificate,
    time: SystemTime,
) -> Result<(), webpki::Error> {
    let issuer_der = CertificateDer::from(issuer.der());
    let anchor = webpki::anchor_from_trusted_cert(&issuer_der)?;
    let (signer, cas) = path.split_first().ok_or(webpki::Error::UnknownIssuer)?;
    let end_entity_der = CertificateDer::from(signer.der());
    let end_entity = EndEntityCert::try_from(&end_entity_der)?;
    let intermediates: Vec<CertificateDer<'_>> = cas.iter().map(|c| CertificateDer::from(c.der())).collect();
    let (depth, unknown) = if cas.is_empty() {
        (RevocationCheckDepth::EndEntity, UnknownStatusPolicy::Deny)
    } else {
        (RevocationCheckDepth::Chain, UnknownStatusPolicy::Allow)
    };
    let crls = [crl];
    let revocation = RevocationOptionsBuilder::new(&crls)
        .map_err(|_| webpki::Error::UnknownRevocationStatus)?
        .with_depth(depth)
        .with_status_policy(unknown)
        .with_expiration_policy(ExpirationPolicy::Enforce)
        .build();
    let seconds = time.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    end_entity
        .verify_for_usage(
            &chain_algorithms(),
            &[anchor],
            &intermediates,
            UnixTime::since_unix_epoch(seconds),
            &AnyKeyUsage,
            Some(revocation),
            None,
        )
        .map(|_| ())
}

/// Accepts every extended key usage: the purpose of the certificate is
/// checked by the trust evaluation, not by the status check.
struct AnyKeyUsage;

impl ExtendedKeyUsageValidator for AnyKeyUsage {
    fn validate(&self, _iter: KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
        Ok(())
    }
}

pub(super) fn to_der(bytes: &[u8]) -> Result<Vec<u8>, EvidenceError> {
    if bytes.first() == Some(&0x30) {
        return Ok(bytes.to_vec());
    }
    let text = std::str::from_utf8(bytes).map_err(|_| EvidenceError::CrlPem)?;
    pem_to_der(text, "X509 CRL").ok_or(EvidenceError::CrlPem)
}

/// `thisUpdate` and `nextUpdate`, which webpki checks but does not expose.
fn update_times(der: &[u8]) -> Result<(SystemTime, SystemTime), EvidenceError> {
    let bad = || EvidenceError::CrlDecode(webpki::Error::BadDer);
    let (_, crl) = CertificateRevocationList::from_der(der).map_err(|_| bad())?;
    let next_update = crl.next_update().ok_or_else(bad)?;
    Ok((
        from_seconds(crl.last_update().timestamp()),
        from_seconds(next_update.timestamp()),
    ))
}

fn serial(certificate: &Certificate) -> Result<Vec<u8>, EvidenceError> {
    let (_, parsed) = X509Certificate::from_der(certificate.der())
        .map_err(|_| EvidenceError::CrlCheck(webpki::Error::BadDer))?;
    Ok(parsed.raw_serial().to_vec())
}

fn system_time(time: UnixTime) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(time.as_secs())
}

pub(super) fn from_seconds(seconds: i64) -> SystemTime {
    match u64::try_from(seconds) {
        Ok(after) => SystemTime::UNIX_EPOCH + Duration::from_secs(after),
        Err(_) => SystemTime::UNIX_EPOCH - Duration::from_secs(seconds.unsigned_abs()),
    }
}
