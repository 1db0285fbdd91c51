//! Test certificates made with openssl at test time, issued by the committed
//! test CAs of tests/data/keys/ (TEST KEYS ONLY): weak keys, CAs without
//! keyCertSign, unusual extended key usages. Their notBefore is the time of
//! the test run, so verify them at `SystemTime::now()`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use super::path;

/// A key and certificate made for one test.
pub struct Issued {
    /// PKCS#8 private key (PEM).
    pub key: PathBuf,
    /// The certificate (PEM).
    pub cert: PathBuf,
}

fn run(args: &[&str]) {
    let output = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl must be installed (.ci/run installs it)");
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Makes `<dir>/<name>.key.pem` (`rsa:BITS` or `ec:CURVE`) and a certificate
/// for it issued by `issuer` (a name under tests/data/keys/, or an [`Issued`]
/// made before), with the X.509v3 extension lines `extensions`.
pub fn issue(dir: &Path, name: &str, key: &str, issuer: &Issuer<'_>, extensions: &str) -> Issued {
    let subject = format!("/C=DE/O=DMDA A GmbH/CN=DMDA A Signaturdienst {name}");
    issue_with_subject(dir, name, key, issuer, extensions, &subject)
}

/// [`issue`] with the subject given as `openssl req -subj` takes it.
pub fn issue_with_subject(
    dir: &Path,
    name: &str,
    key: &str,
    issuer: &Issuer<'_>,
    extensions: &str,
    subject: &str,
) -> Issued {
    let key_path = dir.join(format!("{name}.key.pem"));
    let cert_path = dir.join(format!("{name}.cert.pem"));
    let csr = dir.join(format!("{name}.csr"));
    let ext = dir.join(format!("{name}.ext"));
    let key_str = key_path.to_str().unwrap();
    match key.split_once(':') {
        Some(("rsa", bits)) => run(&[
            "genpkey",
            "-quiet",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            &format!("rsa_keygen_bits:{bits}"),
            "-out",
            key_str,
        ]),
        Some(("ec", curve)) => run(&[
            "genpkey",
            "-quiet",
            "-algorithm",
            "EC",
            "-pkeyopt",
            &format!("ec_paramgen_curve:{curve}"),
            "-pkeyopt",
            "ec_param_enc:named_curve",
            "-out",
            key_str,
        ]),
        _ => panic!("bad key spec {key}"),
    }
    std::fs::write(&ext, format!("[ext]\n{extensions}\n")).unwrap();
    run(&[
        "req",
        "-new",
        "-key",
        key_str,
        "-subj",
        subject,
        "-out",
        csr.to_str().unwrap(),
    ]);
    let (issuer_cert, issuer_key) = issuer.paths();
    run(&[
        "x509",
        "-req",
        "-in",
        csr.to_str().unwrap(),
        "-CA",
        issuer_cert.to_str().unwrap(),
        "-CAkey",
        issuer_key.to_str().unwrap(),
        "-set_serial",
        "0x7e57",
        "-days",
        "365",
        "-sha384",
        "-extfile",
        ext.to_str().unwrap(),
        "-extensions",
        "ext",
        "-out",
        cert_path.to_str().unwrap(),
    ]);
    Issued {
        key: key_path,
        cert: cert_path,
    }
}

/// Who issues a certificate made by [`issue`].
pub enum Issuer<'a> {
    /// A committed test CA, e.g. `intermediate` or `ca`.
    Committed(&'a str),
    /// A CA made by [`issue`] in this test.
    Made(&'a Issued),
}

impl Issuer<'_> {
    fn paths(&self) -> (PathBuf, PathBuf) {
        match self {
            Issuer::Committed(name) => (
                path(&format!("keys/{name}.cert.pem")),
                path(&format!("keys/{name}.key.pem")),
            ),
            Issuer::Made(issued) => (issued.cert.clone(), issued.key.clone()),
        }
    }
}

/// The extensions of the committed provider signing certificates
/// (make_keys.sh `ext_signer`) with the given extendedKeyUsage line.
pub fn signer_extensions(eku: Option<&str>) -> String {
    let mut ext = String::from(
        "basicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature, nonRepudiation\n\
         subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always\n",
    );
    if let Some(eku) = eku {
        ext.push_str(&format!("extendedKeyUsage = {eku}\n"));
    }
    ext
}

/// `openssl verify -x509_strict` of `cert` against the committed root with
/// the given untrusted intermediates: Ok, or openssl's error text.
pub fn openssl_verify(cert: &Path, intermediates: &[&Path]) -> Result<(), String> {
    let mut args: Vec<String> = vec![
        "verify".into(),
        "-x509_strict".into(),
        "-CAfile".into(),
        path("keys/ca.cert.pem").to_str().unwrap().into(),
    ];
    for intermediate in intermediates {
        args.push("-untrusted".into());
        args.push(intermediate.to_str().unwrap().into());
    }
    args.push(cert.to_str().unwrap().into());
    let output = Command::new("openssl").args(&args).output().expect("openssl");
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr))
    }
}
