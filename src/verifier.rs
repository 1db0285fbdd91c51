//! An owned verifier (Prüfinstanz) for services: trust anchors,
//! intermediates, key policy, provider directory, revocation evidence and a
//! [`CertificateCache`], built once and shared across threads and async
//! tasks (`Clone` is one reference count, the type is `Send + Sync`).
//!
//! A [`Verifier`] verifies with an explicit time. Each call builds the
//! borrowed [`VerifyOptions`] view ([`Verifier::options`]) and calls the
//! crate's one verifier of each kind — [`integrity::verify()`] for the
//! integrity field (TR 01201-3.4 §3.1.21, PVD FU Schritt 48),
//! [`xmldsig::verify()`] for XML signatures (§3.5.1),
//! [`check_confirmation()`] for confirmations — so the verdicts are the
//! same as theirs; the cache only saves parsing the signer certificate and
//! building its path again (docs/decisions.md D191–D194).
//!
//! Certificate status without I/O in the library: [`Verifier::status_plan`]
//! lists the OCSP and CRL requests that decide the status of a signer and
//! of the CAs of its path; the caller fetches them (an async service with
//! its own client) and verifies again with [`Verifier::with_evidence`]
//! (D217; feature `online` fetches them blocking).
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use demail::certificate::Certificate;
//! use demail::integrity::{SignOptions, Verdict, sign};
//! use demail::{CertifiedKey, SigningKey, Verifier};
//!
//! let read = |name: &str| std::fs::read_to_string(format!("tests/data/keys/{name}"));
//! let key = SigningKey::from_pkcs8_pem(&read("p256.key.pem")?)?;
//! let signer = CertifiedKey::new(key, Certificate::from_pem(&read("p256.cert.pem")?)?)?;
//! let message = sign(&std::fs::read("tests/data/normal.eml")?, &SignOptions::signed(&signer))?;
//!
//! let verifier = Verifier::builder()
//!     .trust_anchor(Certificate::from_pem(&read("ca.cert.pem")?)?)
//!     .intermediate(Certificate::from_pem(&read("intermediate.cert.pem")?)?)
//!     .build();
//! let at = UNIX_EPOCH + Duration::from_secs(1_795_478_400); // 2026-11-24
//! let report = verifier.verify_envelope(&message, at)?;
//! assert_eq!(report.verdict, Verdict::Pass);
//! assert_eq!(verifier.cached_certificates(), 1); // the next message is served from the cache
//!
//! // 2046: the signer certificate has expired; the cached path is not reused.
//! let later = UNIX_EPOCH + Duration::from_secs(2_400_000_000);
//! assert!(!verifier.verify_envelope(&message, later)?.passed());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::sync::Arc;
use std::time::SystemTime;

use crate::certificate::Certificate;
use crate::certificate_cache::{CertificateCache, DEFAULT_CAPACITY};
#[cfg(feature = "provider")]
use crate::confirmation::{CheckError, ConfirmationReport, check_confirmation};
use crate::envelope::Envelope;
use crate::header::HeaderError;
use crate::integrity::{self, VerificationReport};
use crate::provider_directory::ProviderDirectory;
use crate::status::{Evidence, StatusOptions, StatusPlan, TimeBasis};
use crate::trust::{DuplicatePolicy, KeyPolicy, StatusPolicy, VerifyOptions};
#[cfg(feature = "xml")]
use crate::xmldsig::{self, XmlDsigError, XmlSignatureReport};

/// A provider directory a [`Verifier`] can share across threads.
pub type SharedDirectory = Arc<dyn ProviderDirectory + Send + Sync>;

/// The owned, shareable verifier (see the [module documentation](self)).
/// Build it with [`Verifier::builder`].
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Settings>,
}

/// Everything of [`VerifyOptions`] but the time, owned.
struct Settings {
    /// Trust anchors, intermediates and the parsed certificates; shared by
    /// [`Verifier::with_evidence`] copies.
    cache: Arc<CertificateCache>,
    key_policy: KeyPolicy,
    evidence: Evidence,
    status_options: StatusOptions,
    status_policy: StatusPolicy,
    time_basis: TimeBasis,
    duplicate_fields: DuplicatePolicy,
    require_signature: bool,
    require_qualified: bool,
    provider_directory: Option<SharedDirectory>,
}

impl Verifier {
    /// A builder with the defaults of [`VerifyOptions::default`]: no trust
    /// anchors, the default [`KeyPolicy`], no evidence, and a cache of
    /// [`DEFAULT_CAPACITY`] certificates.
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder::default()
    }

    /// The borrowed view of this verifier at time `at`, for the verifiers
    /// that take [`VerifyOptions`] (ident assertions, S/MIME, a parsed
    /// [`Envelope`]); it carries the certificate cache.
    pub fn options(&self, at: SystemTime) -> VerifyOptions<'_> {
        let settings = &*self.inner;
        VerifyOptions {
            time: at,
            trust_anchors: settings.cache.trust_anchors(),
            intermediates: settings.cache.intermediates(),
            key_policy: settings.key_policy.clone(),
            status_evidence: &settings.evidence,
            status_options: settings.status_options.clone(),
            status_policy: settings.status_policy,
            time_basis: settings.time_basis,
            duplicate_fields: settings.duplicate_fields,
            require_signature: settings.require_signature,
            require_qualified: settings.require_qualified,
            provider_directory: settings
                .provider_directory
                .as_deref()
                .map(|directory| directory as &dyn ProviderDirectory),
            certificate_cache: Some(&settings.cache),
        }
    }

    /// Verifies the integrity field of the message `raw` at `at`
    /// ([`integrity::verify()`], TR 01201-3.4 §3.1.21). A
    /// [`DateTime`](crate::fields::DateTime) converts with `.into()`.
    ///
    /// # Errors
    /// [`HeaderError`] when `raw` is not a mail message at all.
    pub fn verify_envelope(&self, raw: &[u8], at: SystemTime) -> Result<VerificationReport, HeaderError> {
        let envelope = Envelope::parse(raw)?;
        Ok(integrity::verify(&envelope, &self.options(at)))
    }

    /// Verifies the one enveloped XML signature of `xml` at `at`
    /// ([`xmldsig::verify()`], TR 01201-3.4 §3.5.1).
    ///
    /// # Errors
    /// [`XmlDsigError`] for documents that cannot be checked.
    #[cfg(feature = "xml")]
    pub fn verify_xml(&self, xml: &[u8], at: SystemTime) -> Result<XmlSignatureReport, XmlDsigError> {
        xmldsig::verify(xml, &self.options(at))
    }

    /// Checks a confirmation against the original message at `at`
    /// ([`check_confirmation()`], TR 01201-3.4 §3.4, §3.5).
    ///
    /// # Errors
    /// [`CheckError`] when either message is not a mail at all.
    #[cfg(feature = "provider")]
    pub fn check_confirmation(
        &self,
        confirmation: &[u8],
        original: &[u8],
        at: SystemTime,
    ) -> Result<ConfirmationReport, CheckError> {
        check_confirmation(confirmation, original, &self.options(at))
    }

    /// Which status requests would decide the status of `certificate` (a
    /// report's signer) and of the CAs of its path at `at`
    /// ([`VerifyOptions::status_plan`]): an async service verifies once,
    /// fetches these itself (concurrently, with its own client and
    /// timeouts), and verifies again with [`Verifier::with_evidence`]; the
    /// library does no I/O (D217). `None` without trust anchors or path.
    pub fn status_plan(&self, certificate: &Certificate, at: SystemTime) -> Option<StatusPlan> {
        self.options(at).status_plan(certificate)
    }

    /// This verifier with other revocation evidence (fresh CRLs or OCSP
    /// responses), sharing the anchors and the certificate cache: status is
    /// never cached, so nothing judged with the old evidence carries over.
    #[must_use]
    pub fn with_evidence(&self, evidence: Evidence) -> Verifier {
        let settings = &*self.inner;
        Verifier {
            inner: Arc::new(Settings {
                cache: Arc::clone(&settings.cache),
                key_policy: settings.key_policy.clone(),
                evidence,
                status_options: settings.status_options.clone(),
                status_policy: settings.status_policy,
                time_basis: settings.time_basis,
                duplicate_fields: settings.duplicate_fields,
                require_signature: settings.require_signature,
                require_qualified: settings.require_qualified,
                provider_directory: settings.provider_directory.clone(),
            }),
        }
    }

    /// How many parsed certificates the cache holds (at most the builder's
    /// [`VerifierBuilder::cache_capacity`]).
    pub fn cached_certificates(&self) -> usize {
        self.inner.cache.len()
    }
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let settings = &*self.inner;
        f.debug_struct("Verifier")
            .field("trust_anchors", &settings.cache.trust_anchors().len())
            .field("intermediates", &settings.cache.intermediates().len())
            .field("key_policy", &settings.key_policy)
            .field("status_policy", &settings.status_policy)
            .field("provider_directory", &settings.provider_directory.is_some())
            .field("cached_certificates", &settings.cache.len())
            .finish_non_exhaustive()
    }
}

/// Builds a [`Verifier`]; every setting has the default of
/// [`VerifyOptions::default`].
pub struct VerifierBuilder {
    trust_anchors: Vec<Certificate>,
    intermediates: Vec<Certificate>,
    cache_capacity: usize,
    settings: Settings,
}

impl Default for VerifierBuilder {
    fn default() -> Self {
        let defaults = VerifyOptions::default();
        VerifierBuilder {
            trust_anchors: Vec::new(),
            intermediates: Vec::new(),
            cache_capacity: DEFAULT_CAPACITY,
            settings: Settings {
                cache: Arc::new(CertificateCache::new(Vec::new(), Vec::new(), DEFAULT_CAPACITY)),
                key_policy: defaults.key_policy,
                evidence: Evidence::default(),
                status_options: defaults.status_options,
                status_policy: defaults.status_policy,
                time_basis: defaults.time_basis,
                duplicate_fields: defaults.duplicate_fields,
                require_signature: defaults.require_signature,
                require_qualified: defaults.require_qualified,
                provider_directory: None,
            },
        }
    }
}

impl VerifierBuilder {
    /// Adds a certificate the verifier trusts as a root.
    #[must_use]
    pub fn trust_anchor(mut self, certificate: Certificate) -> Self {
        self.trust_anchors.push(certificate);
        self
    }

    /// Adds trust anchors.
    #[must_use]
    pub fn trust_anchors(mut self, certificates: impl IntoIterator<Item = Certificate>) -> Self {
        self.trust_anchors.extend(certificates);
        self
    }

    /// Adds an intermediate certificate for path building.
    #[must_use]
    pub fn intermediate(mut self, certificate: Certificate) -> Self {
        self.intermediates.push(certificate);
        self
    }

    /// Adds intermediates.
    #[must_use]
    pub fn intermediates(mut self, certificates: impl IntoIterator<Item = Certificate>) -> Self {
        self.intermediates.extend(certificates);
        self
    }

    /// The minimum key strength ([`VerifyOptions::key_policy`]).
    #[must_use]
    pub fn key_policy(mut self, policy: KeyPolicy) -> Self {
        self.settings.key_policy = policy;
        self
    }

    /// Revocation evidence ([`VerifyOptions::status_evidence`]).
    #[must_use]
    pub fn evidence(mut self, evidence: Evidence) -> Self {
        self.settings.evidence = evidence;
        self
    }

    /// How OCSP responses are judged ([`VerifyOptions::status_options`]).
    #[must_use]
    pub fn status_options(mut self, options: StatusOptions) -> Self {
        self.settings.status_options = options;
        self
    }

    /// What a status other than good means ([`VerifyOptions::status_policy`]).
    #[must_use]
    pub fn status_policy(mut self, policy: StatusPolicy) -> Self {
        self.settings.status_policy = policy;
        self
    }

    /// What the verification time stands for ([`VerifyOptions::time_basis`]).
    #[must_use]
    pub fn time_basis(mut self, basis: TimeBasis) -> Self {
        self.settings.time_basis = basis;
        self
    }

    /// Duplicates of signed fields ([`VerifyOptions::duplicate_fields`]).
    #[must_use]
    pub fn duplicate_fields(mut self, policy: DuplicatePolicy) -> Self {
        self.settings.duplicate_fields = policy;
        self
    }

    /// Fail every hash-only message ([`VerifyOptions::require_signature`]).
    #[must_use]
    pub fn require_signature(mut self, require: bool) -> Self {
        self.settings.require_signature = require;
        self
    }

    /// Require an EU qualified signer certificate
    /// ([`VerifyOptions::require_qualified`], D201).
    #[must_use]
    pub fn require_qualified(mut self, require: bool) -> Self {
        self.settings.require_qualified = require;
        self
    }

    /// Which providers may sign for which domains
    /// ([`VerifyOptions::provider_directory`]).
    #[must_use]
    pub fn provider_directory(mut self, directory: SharedDirectory) -> Self {
        self.settings.provider_directory = Some(directory);
        self
    }

    /// The most parsed certificates the cache keeps (default
    /// [`DEFAULT_CAPACITY`], at least one).
    #[must_use]
    pub fn cache_capacity(mut self, capacity: usize) -> Self {
        self.cache_capacity = capacity;
        self
    }

    /// The verifier.
    pub fn build(self) -> Verifier {
        let mut settings = self.settings;
        settings.cache = Arc::new(CertificateCache::new(
            self.trust_anchors,
            self.intermediates,
            self.cache_capacity,
        ));
        Verifier {
            inner: Arc::new(settings),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::crypto::SigningKey;
    use crate::integrity::{SignOptions, Verdict, sign};

    fn cert(name: &str) -> Certificate {
        let pem = std::fs::read_to_string(format!("tests/data/keys/{name}.cert.pem")).unwrap();
        Certificate::from_pem(&pem).unwrap()
    }

    fn signed_by(name: &str) -> Vec<u8> {
        let pem = std::fs::read_to_string(format!("tests/data/keys/{name}.key.pem")).unwrap();
        let key = SigningKey::from_pkcs8_pem(&pem).unwrap();
        let signer = crate::signer::CertifiedKey::new(key, cert(name)).unwrap();
        let message = std::fs::read("tests/data/normal.eml").unwrap();
        sign(&message, &SignOptions::signed(&signer)).unwrap()
    }

    /// 2026-11-24, inside the validity of the test PKI.
    fn at() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_795_478_400)
    }

    fn verifier() -> Verifier {
        Verifier::builder()
            .trust_anchor(cert("ca"))
            .intermediate(cert("intermediate"))
            .build()
    }

    const fn assert_send_sync<T: Send + Sync>() {}
    const _: () = assert_send_sync::<Verifier>();

    // D191: a clone shares the settings and the cache (one reference count)
    #[test]
    fn clones_share_one_cache() {
        let verifier = verifier();
        let clone = verifier.clone();
        assert!(Arc::ptr_eq(&verifier.inner, &clone.inner));
        clone.verify_envelope(&signed_by("p256"), at()).unwrap();
        assert_eq!(verifier.cached_certificates(), 1);
        let fresh = verifier.with_evidence(Evidence::default());
        assert!(Arc::ptr_eq(&verifier.inner.cache, &fresh.inner.cache));
    }

    // TR 01201-3.4 §3.1.21: the view carries the verifier's settings and its cache
    #[test]
    fn options_view_carries_the_settings_and_the_cache() {
        let verifier = Verifier::builder()
            .trust_anchor(cert("ca"))
            .key_policy(KeyPolicy::tr_02102())
            .status_policy(StatusPolicy::Require)
            .require_signature(true)
            .require_qualified(true)
            .build();
        let options = verifier.options(at());
        assert!(options.require_qualified);
        assert_eq!(options.time, at());
        assert_eq!(options.trust_anchors, &[cert("ca")]);
        assert_eq!(options.key_policy, KeyPolicy::tr_02102());
        assert_eq!(options.status_policy, StatusPolicy::Require);
        assert!(options.require_signature);
        let cache = options.certificate_cache.unwrap();
        assert!(cache.serves(options.trust_anchors, options.intermediates));
    }

    // D192: the path found once is reused, and the verdict is the one of integrity::verify
    #[test]
    fn warm_verification_gives_the_verdict_of_integrity_verify() {
        let verifier = verifier();
        let message = signed_by("rsa3072");
        let envelope = Envelope::parse(&message).unwrap();
        let trust = [cert("ca")];
        let intermediates = [cert("intermediate")];
        let plain = VerifyOptions {
            time: at(),
            trust_anchors: &trust,
            intermediates: &intermediates,
            ..VerifyOptions::default()
        };
        let expected = integrity::verify(&envelope, &plain);
        assert_eq!(expected.verdict, Verdict::Pass);
        let cold = verifier.verify_envelope(&message, at()).unwrap();
        let warm = verifier.verify_envelope(&message, at()).unwrap();
        assert_eq!(cold, expected);
        assert_eq!(warm, expected);
        let signer = cert("rsa3072");
        let cache = &verifier.inner.cache;
        assert_eq!(
            cache.path(&signer, crate::fields::unix_seconds(at())),
            Some(vec![cert("intermediate"), cert("ca")])
        );
    }
}
