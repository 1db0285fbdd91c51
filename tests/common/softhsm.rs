//! A SoftHSM2 token for the PKCS#11 tests (tests/pkcs11.rs, tests/cli_pkcs11.rs):
//! the test keys of tests/data/keys/ imported with `softhsm2-util`, their
//! certificates written with `pkcs11-tool`, so the token is set up by tools
//! independent of the crate. Callers check `tool_available` first.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// SoftHSM2's module as Debian installs it.
pub const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
pub const TOKEN: &str = "demail-test";
pub const PIN: &str = "4711-user";
pub const SO_PIN: &str = "0815-security-officer";
/// The keys imported into the token, each with its certificate, under the
/// key's name as label.
pub const KEYS: [&str; 7] = ["rsa3072", "rsa2048", "rsa1024", "p256", "p384", "bp256", "bp384"];

fn path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// A SoftHSM2 configuration with its own token directory and one token
/// holding [`KEYS`]; returns the configuration's path.
pub fn token_with_keys(dir: &Path) -> PathBuf {
    let tokens = dir.join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    let run = |program: &str, args: &[&str]| {
        let output = Command::new(program)
            .args(args)
            .env("SOFTHSM2_CONF", &conf)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    };
    run(
        "softhsm2-util",
        &[
            "--init-token",
            "--free",
            "--label",
            TOKEN,
            "--pin",
            PIN,
            "--so-pin",
            SO_PIN,
        ],
    );
    for (index, name) in KEYS.iter().enumerate() {
        let id = format!("{:02x}", index + 1);
        let key = path(&format!("keys/{name}.key.pem"));
        let certificate = path(&format!("keys/{name}.cert.der"));
        run(
            "softhsm2-util",
            &[
                "--import",
                key.to_str().unwrap(),
                "--token",
                TOKEN,
                "--label",
                name,
                "--id",
                &id,
                "--pin",
                PIN,
            ],
        );
        run(
            "pkcs11-tool",
            &[
                "--module",
                MODULE,
                "--token-label",
                TOKEN,
                "--login",
                "--pin",
                PIN,
                "--write-object",
                certificate.to_str().unwrap(),
                "--type",
                "cert",
                "--label",
                name,
                "--id",
                &id,
            ],
        );
    }
    conf
}
