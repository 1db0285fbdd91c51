//! Signing with keys in a real PKCS#11 token: SoftHSM2 (Debian `softhsm2`),
//! the test keys of tests/data/keys/ imported with `softhsm2-util` and the
//! certificates written with `pkcs11-tool` (Debian `opensc`), so the token is
//! set up by tools independent of the crate (issue 15 §1; D141–D144, D178, D180).
//! Signatures made through the token verify with the crate and with openssl;
//! a whole message (TR 01201-3.4 §3.1.21) verifies with `verify`, a
//! confirmation (§3.5) with the crate and with xmlsec1.
//!
//! SoftHSM2 reads its configuration (`SOFTHSM2_CONF`) when the module is
//! initialised, once per process; so each test prepares its own token in a
//! directory of its own and runs its body again in a child process with
//! `SOFTHSM2_CONF` set (no process-wide environment change, no `unsafe`).
//! Missing tools skip visibly, and fail under `CI=true`
//! (tests/xmldsig_common `tool_available`; `.ci/run` installs them).
#![cfg(feature = "pkcs11")]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use demail::confirmation::{ConfirmationKind, ConfirmationRequest, build_confirmation, check_confirmation};
use demail::crypto::{CryptoError, HashAlgorithm, KeyKind, SignatureScheme};
use demail::envelope::Envelope;
use demail::integrity::{SignOptions, sign};
use demail::integrity::{Verdict, verify};
use demail::provider::Issuer;
use demail::signer::Signer;
use demail::signer::pkcs11::{PIN_VARIABLE, Pkcs11Config, Pkcs11Error, Pkcs11Signer, UnsupportedTokenKey};

mod common;
mod xmldsig_common;
use common::independent::{self, openssl};
use common::softhsm::{MODULE, PIN, TOKEN, token_with_keys};
use common::{cert, data, options, path, trust};

/// Set in the child process to the name of the test it runs.
const CHILD: &str = "DEMAIL_PKCS11_TEST_CHILD";

/// In the parent: prepares a token for `test` and runs `test` again in a
/// child process, returning `false`. In that child: returns `true`, and
/// the test body runs against the token.
fn in_token(test: &str) -> bool {
    in_token_with_env(test, None)
}

/// [`in_token`], with `DEMAIL_PKCS11_PIN` set to `pin` in the child (unset
/// for `None`).
fn in_token_with_env(test: &str, pin: Option<&str>) -> bool {
    if std::env::var(CHILD).as_deref() == Ok(test) {
        return true;
    }
    if !xmldsig_common::tool_available("softhsm2-util") || !xmldsig_common::tool_available("pkcs11-tool") {
        return false;
    }
    assert!(
        Path::new(MODULE).exists(),
        "{MODULE} is missing although softhsm2-util is installed (Debian package softhsm2)"
    );
    let dir = xmldsig_common::temp_dir(&format!("pkcs11-{test}"));
    let conf = token_with_keys(&dir);
    let mut child = Command::new(std::env::current_exe().unwrap());
    child
        .args([test, "--exact", "--nocapture", "--test-threads", "1"])
        .env("SOFTHSM2_CONF", &conf)
        .env(CHILD, test)
        .env_remove(PIN_VARIABLE);
    if let Some(pin) = pin {
        child.env(PIN_VARIABLE, pin);
    }
    let output = child.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{test} in the token's process:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    false
}

fn config(key: &str) -> Pkcs11Config {
    Pkcs11Config::new(MODULE, TOKEN, key)
}

fn open(key: &str) -> Pkcs11Signer {
    Pkcs11Signer::open(&config(key), PIN).unwrap_or_else(|e| panic!("{key}: {e:?}"))
}

/// Every scheme and hash of §3.1.21 on every key type the token holds.
const CASES: [(&str, SignatureScheme, HashAlgorithm); 14] = [
    ("rsa3072", SignatureScheme::Rsa, HashAlgorithm::Sha256),
    ("rsa3072", SignatureScheme::Rsa, HashAlgorithm::Sha384),
    ("rsa3072", SignatureScheme::Rsa, HashAlgorithm::Sha512),
    ("rsa3072", SignatureScheme::RsassaPss, HashAlgorithm::Sha256),
    ("rsa3072", SignatureScheme::RsassaPss, HashAlgorithm::Sha384),
    ("rsa3072", SignatureScheme::RsassaPss, HashAlgorithm::Sha512),
    ("p256", SignatureScheme::EcDsa, HashAlgorithm::Sha256),
    ("p256", SignatureScheme::EcDsa, HashAlgorithm::Sha384),
    ("p256", SignatureScheme::EcDsa, HashAlgorithm::Sha512),
    ("p384", SignatureScheme::EcDsa, HashAlgorithm::Sha384),
    ("p384", SignatureScheme::EcDsa, HashAlgorithm::Sha256),
    ("bp256", SignatureScheme::EcDsa, HashAlgorithm::Sha256),
    ("bp384", SignatureScheme::EcDsa, HashAlgorithm::Sha384),
    ("bp384", SignatureScheme::EcDsa, HashAlgorithm::Sha512),
];

/// `openssl dgst -verify` with the certificate's public key; PSS with the
/// salt as long as the hash (RFC 4056 §3, D141).
fn openssl_verifies(
    dir: &Path,
    name: &str,
    scheme: SignatureScheme,
    hash: HashAlgorithm,
    message: &[u8],
    signature: &[u8],
) {
    let (input, sig, public) = (dir.join("input"), dir.join("sig"), dir.join("pub.pem"));
    std::fs::write(&input, message).unwrap();
    std::fs::write(&sig, signature).unwrap();
    let key = openssl(
        &[
            "x509",
            "-pubkey",
            "-noout",
            "-in",
            path(&format!("keys/{name}.cert.pem")).to_str().unwrap(),
        ],
        b"",
    );
    std::fs::write(&public, key).unwrap();
    let digest = format!("-{}", hash.as_str());
    let mut args = vec![
        "dgst",
        digest.as_str(),
        "-verify",
        public.to_str().unwrap(),
        "-signature",
        sig.to_str().unwrap(),
    ];
    if scheme == SignatureScheme::RsassaPss {
        args.extend([
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:digest",
        ]);
    }
    args.push(input.to_str().unwrap());
    let out = openssl(&args, b"");
    assert_eq!(
        String::from_utf8_lossy(&out).trim(),
        "Verified OK",
        "{name} {scheme:?} {hash:?}"
    );
}

#[test]
fn token_signatures_verify_with_the_crate_and_openssl() {
    if !in_token("token_signatures_verify_with_the_crate_and_openssl") {
        return;
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pkcs11-openssl");
    std::fs::create_dir_all(&dir).unwrap();
    let message = data("normal.eml");
    for (name, scheme, hash) in CASES {
        let signer = open(name);
        assert_eq!(
            signer.certificate(),
            &cert(name),
            "{name}: the token's certificate"
        );
        let signature = signer
            .sign(scheme, hash, &message)
            .unwrap_or_else(|e| panic!("{name} {scheme:?} {hash:?}: {e:?}"));
        signer
            .certificate()
            .public_key
            .verify(scheme, hash, &message, &signature)
            .unwrap_or_else(|e| panic!("{name} {scheme:?} {hash:?}: {e}"));
        assert_eq!(
            signer
                .certificate()
                .public_key
                .verify(scheme, hash, b"other", &signature),
            Err(CryptoError::BadSignature)
        );
        openssl_verifies(&dir, name, scheme, hash, &message, &signature);
        drop(signer); // one signer per token at a time (D144)
    }
}

#[test]
fn default_scheme_and_description_come_from_the_token_key() {
    if !in_token("default_scheme_and_description_come_from_the_token_key") {
        return;
    }
    for (name, scheme, description) in [
        ("rsa3072", SignatureScheme::Rsa, "RSA-3072"),
        ("p256", SignatureScheme::EcDsa, "EC P-256"),
        ("bp384", SignatureScheme::EcDsa, "EC brainpoolP384r1"),
    ] {
        let signer = open(name);
        assert_eq!(signer.default_scheme(), scheme);
        assert_eq!(signer.describe(), description);
    }
}

/// §3.1.21: a whole message signed through the token verifies with the
/// crate, and openssl verifies its signature over independently computed
/// canonical bytes.
#[test]
fn message_signed_through_the_token_verifies() {
    if !in_token("message_signed_through_the_token_verifies") {
        return;
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pkcs11-message");
    std::fs::create_dir_all(&dir).unwrap();
    let trust = trust();
    for (name, scheme) in [
        ("rsa3072", SignatureScheme::RsassaPss),
        ("p256", SignatureScheme::EcDsa),
        ("bp256", SignatureScheme::EcDsa),
    ] {
        let signer = open(name);
        let mut sign_options = SignOptions::signed(&signer);
        sign_options.signer.as_mut().unwrap().scheme = scheme;
        let signed = sign(&data("normal.eml"), &sign_options).unwrap();
        let report = verify(&Envelope::parse(&signed).unwrap(), &options(&trust));
        assert_eq!(report.verdict, Verdict::Pass, "{name}");

        let envelope = Envelope::parse(&signed).unwrap();
        let value = envelope.metadata().integrity.as_deref().unwrap().to_owned();
        let signature = demail::integrity::IntegrityTags::parse(&value).unwrap().value;
        openssl_verifies(
            &dir,
            name,
            scheme,
            HashAlgorithm::Sha256,
            &independent::header_input(&signed),
            &signature,
        );
        drop(signer);
    }
}

/// §3.5: a confirmation signed through the token (XML-DSig and integrity)
/// passes the crate's check, and xmlsec1 verifies its XML signature.
#[test]
fn confirmation_signed_through_the_token_verifies_with_the_crate_and_xmlsec1() {
    if !in_token("confirmation_signed_through_the_token_verifies_with_the_crate_and_xmlsec1") {
        return;
    }
    if !xmldsig_common::tool_available("xmlsec1") {
        return;
    }
    let signer = open("p256");
    // The original, as the sender's provider signs it (here with the same token key).
    let original = sign(&data("normal.eml"), &SignOptions::signed(&signer)).unwrap();
    let envelope = Envelope::parse(&original).unwrap();
    let issuer = Issuer::new(
        "DMDA B GmbH",
        demail::address::DeMailAddress::parse("Versandbestaetigung@dmda-b.de-mail.de").unwrap(),
    );
    let request = ConfirmationRequest {
        kind: ConfirmationKind::Dispatch,
        issuer: &issuer,
        time: demail::fields::DateTime::parse_rfc5322("Wed, 13 Mar 2024 08:00:00 +0100").unwrap(),
        delivery_time: None,
        message_id: None,
    };
    let confirmation = build_confirmation(&envelope, &request, &signer).unwrap();
    let trust = trust();
    let report = check_confirmation(&confirmation, &original, &options(&trust)).unwrap();
    assert!(report.passed(), "{:?}", report.mismatches);
    assert_eq!(report.integrity.verdict, Verdict::Pass);
    assert!(report.xml_signature.as_ref().is_some_and(|x| x.signature_ok));

    let parsed = mail_parser::MessageParser::default()
        .parse(&confirmation)
        .unwrap();
    use mail_parser::MimeHeaders;
    let xml = parsed
        .attachments()
        .find(|p| p.content_type().is_some_and(|c| c.subtype() == Some("xml")))
        .unwrap()
        .contents()
        .to_vec();
    let file = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pkcs11-confirmation.xml");
    std::fs::write(&file, &xml).unwrap();
    let output = Command::new("xmlsec1")
        .args(["--verify", "--trusted-pem"])
        .arg(path("keys/ca.cert.pem"))
        .arg("--untrusted-pem")
        .arg(path("keys/intermediate.cert.pem"))
        .args(["--verification-time", "2026-11-24 00:00:00"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "xmlsec1: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn wrong_pin_is_refused_with_its_own_error() {
    if !in_token("wrong_pin_is_refused_with_its_own_error") {
        return;
    }
    let error = Pkcs11Signer::open(&config("p256"), "not-the-pin").unwrap_err();
    assert!(
        matches!(&error, Pkcs11Error::WrongPin { token } if token == TOKEN),
        "{error:?}"
    );
    // The right PIN still works afterwards (one wrong try does not lock).
    open("p256");
}

#[test]
fn missing_key_label_is_refused_with_its_own_error() {
    if !in_token("missing_key_label_is_refused_with_its_own_error") {
        return;
    }
    let error = Pkcs11Signer::open(&config("no-such-key"), PIN).unwrap_err();
    assert!(
        matches!(&error, Pkcs11Error::KeyNotFound { token, key } if token == TOKEN && key == "no-such-key"),
        "{error:?}"
    );
}

#[test]
fn unknown_token_label_is_refused_with_its_own_error() {
    if !in_token("unknown_token_label_is_refused_with_its_own_error") {
        return;
    }
    let error = Pkcs11Signer::open(&Pkcs11Config::new(MODULE, "no-such-token", "p256"), PIN).unwrap_err();
    assert!(
        matches!(&error, Pkcs11Error::TokenNotFound { token } if token == "no-such-token"),
        "{error:?}"
    );
}

/// Fail closed: an RSA key below 2048 bits is refused at open, as
/// `SigningKey` and the verifier's key policy refuse it (§3.1.21).
#[test]
fn weak_rsa_key_on_the_token_is_refused() {
    if !in_token("weak_rsa_key_on_the_token_is_refused") {
        return;
    }
    let error = Pkcs11Signer::open(&config("rsa1024"), PIN).unwrap_err();
    assert!(
        matches!(
            &error,
            Pkcs11Error::UnsupportedKey { key, reason: UnsupportedTokenKey::Kind(KeyKind::Rsa { bits: 1024 }) }
                if key == "rsa1024"
        ),
        "{error:?}"
    );
}

/// The PIN comes from `DEMAIL_PKCS11_PIN` (never the command line).
#[test]
fn pin_from_the_environment_opens_the_key() {
    if !in_token_with_env("pin_from_the_environment_opens_the_key", Some(PIN)) {
        return;
    }
    Pkcs11Signer::open_with_env_pin(&config("p256")).unwrap();
}

/// Without `DEMAIL_PKCS11_PIN` there is no login attempt, but its own error.
#[test]
fn unset_pin_variable_is_its_own_error() {
    if !in_token("unset_pin_variable_is_its_own_error") {
        return;
    }
    let error = Pkcs11Signer::open_with_env_pin(&config("p256")).unwrap_err();
    assert!(
        matches!(
            error,
            Pkcs11Error::PinNotSet {
                variable: "DEMAIL_PKCS11_PIN"
            }
        ),
        "{error:?}"
    );
}

/// D142: a certificate that is not the key's is refused at open, whether
/// given by the caller (another curve, another RSA key) or found on the token.
#[test]
fn key_certificate_mismatch_is_refused_with_its_own_error() {
    if !in_token("key_certificate_mismatch_is_refused_with_its_own_error") {
        return;
    }
    for (key, certificate) in [
        ("p256", "p384"),
        ("rsa3072", "rsa2048"),
        ("p256", "untrusted"),
        ("bp256", "rsa3072"),
    ] {
        let error = Pkcs11Signer::open(&config(key).certificate(cert(certificate)), PIN).unwrap_err();
        let mismatch = match &error {
            Pkcs11Error::KeyCertificateMismatch { key: label, source } if label == key => {
                matches!(source, CryptoError::CertificateMismatch { certificate: c, .. } if *c == cert(certificate).public_key)
            }
            // An RSA certificate for an EC key: the probe's scheme does not fit.
            Pkcs11Error::Check {
                source: CryptoError::KeyMismatch { .. },
                ..
            } => certificate == "rsa3072",
            _ => false,
        };
        assert!(mismatch, "{key} with {certificate}: {error:?}");
    }
    // The right certificate, given explicitly, is accepted.
    Pkcs11Signer::open(&config("p384").certificate(cert("p384")), PIN).unwrap();
}

#[test]
fn missing_certificate_is_refused_with_its_own_error() {
    if !in_token("missing_certificate_is_refused_with_its_own_error") {
        return;
    }
    // Remove the certificate object of p256 with pkcs11-tool, then open.
    let output = Command::new("pkcs11-tool")
        .args([
            "--module",
            MODULE,
            "--token-label",
            TOKEN,
            "--login",
            "--pin",
            PIN,
        ])
        .args(["--delete-object", "--type", "cert", "--label", "p256"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let error = Pkcs11Signer::open(&config("p256"), PIN).unwrap_err();
    assert!(
        matches!(&error, Pkcs11Error::CertificateNotFound { key, .. } if key == "p256"),
        "{error:?}"
    );
    // Given by the caller, the certificate need not be on the token.
    Pkcs11Signer::open(&config("p256").certificate(cert("p256")), PIN).unwrap();
}

#[test]
fn scheme_must_fit_the_token_key() {
    if !in_token("scheme_must_fit_the_token_key") {
        return;
    }
    let signer = open("p384");
    assert!(matches!(
        signer.sign(SignatureScheme::Rsa, HashAlgorithm::Sha256, b"x"),
        Err(CryptoError::KeyMismatch { scheme: "rsa", .. })
    ));
    drop(signer);
    let signer = open("rsa2048");
    assert!(matches!(
        signer.sign(SignatureScheme::EcDsa, HashAlgorithm::Sha256, b"x"),
        Err(CryptoError::KeyMismatch { scheme: "ec-dsa", .. })
    ));
}

/// D144: one signer, shared by threads, signs correctly from each.
#[test]
fn signer_is_shared_between_threads() {
    if !in_token("signer_is_shared_between_threads") {
        return;
    }
    let signer: Arc<dyn Signer> = Arc::new(open("p256"));
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let signer = Arc::clone(&signer);
            std::thread::spawn(move || {
                for j in 0..8 {
                    let message = format!("message {i}/{j}");
                    let signature = signer
                        .sign(SignatureScheme::EcDsa, HashAlgorithm::Sha256, message.as_bytes())
                        .unwrap();
                    signer
                        .certificate()
                        .public_key
                        .verify(
                            SignatureScheme::EcDsa,
                            HashAlgorithm::Sha256,
                            message.as_bytes(),
                            &signature,
                        )
                        .unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
}

/// D144, D180: PKCS#11 login state is per process and token, so a second
/// signer on a token this process is logged in to gets
/// CKR_USER_ALREADY_LOGGED_IN. With the PIN the first login succeeded with
/// it opens and both sign (and the second keeps signing after the first is
/// gone); with another PIN, which the token did not check, it is refused.
#[test]
fn second_signer_on_a_logged_in_token_needs_the_same_pin() {
    if !in_token("second_signer_on_a_logged_in_token_needs_the_same_pin") {
        return;
    }
    let first = open("p256");
    let error = Pkcs11Signer::open(&config("p384"), "not-the-pin").unwrap_err();
    assert!(matches!(error, Pkcs11Error::AlreadyLoggedIn { .. }), "{error:?}");
    let second = open("p384");
    let third = open("rsa3072");
    for signer in [&first as &dyn Signer, &second, &third] {
        let scheme = signer.default_scheme();
        let signature = signer.sign(scheme, HashAlgorithm::Sha384, b"De-Mail").unwrap();
        signer
            .certificate()
            .public_key
            .verify(scheme, HashAlgorithm::Sha384, b"De-Mail", &signature)
            .unwrap();
    }
    drop(first);
    let signature = second
        .sign(SignatureScheme::EcDsa, HashAlgorithm::Sha256, b"after the first")
        .unwrap();
    cert("p384")
        .public_key
        .verify(
            SignatureScheme::EcDsa,
            HashAlgorithm::Sha256,
            b"after the first",
            &signature,
        )
        .unwrap();
    drop((second, third));
    // Every session closed: the token logged out, so the token checks the
    // PIN of the next signer itself.
    let error = Pkcs11Signer::open(&config("p256"), "not-the-pin").unwrap_err();
    assert!(matches!(error, Pkcs11Error::WrongPin { .. }), "{error:?}");
    let _fourth = open("p384");
    let error = Pkcs11Signer::open(&config("p256"), "not-the-pin").unwrap_err();
    assert!(matches!(error, Pkcs11Error::AlreadyLoggedIn { .. }), "{error:?}");
}

/// A module that cannot be loaded is its own error, naming the path.
#[test]
fn unloadable_module_is_refused_with_its_own_error() {
    let module = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/normal.eml");
    let error = Pkcs11Signer::open(&Pkcs11Config::new(&module, TOKEN, "p256"), PIN).unwrap_err();
    assert!(
        matches!(&error, Pkcs11Error::Module { module: m, .. } if *m == module),
        "{error:?}"
    );
}

#[test]
fn pkcs11_signer_is_send_and_sync() {
    fn shared<T: Send + Sync>() {}
    fn as_dyn(signer: &Pkcs11Signer) -> &dyn Signer {
        signer
    }
    shared::<Pkcs11Signer>();
    let _ = as_dyn;
}
