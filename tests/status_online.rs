//! Online status (issue 13 §4; feature `online`; docs/decisions.md
//! D195–D198): the test PKI of tests/data/pki/make.sh, made with the
//! provider certificates naming a local OCSP responder (AIA) and a local
//! CRL location (CRL distribution points), a live `openssl ocsp -port`
//! responder on 127.0.0.1 started and stopped by each test, and small
//! std-only HTTP servers for the CRL and for hostile answers. TR 01201-3.4
//! §3.1.21, PVD FU Schritt 48: revoked → FC-02; no usable answer → FC-03
//! (INDETERMINATE/TRY_LATER). Every fetched answer is cross-checked with
//! `openssl ocsp -respin` or `openssl crl`.
#![cfg(feature = "online")]

#[cfg(feature = "cli")]
#[path = "common/cli.rs"]
mod cli;
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use demail::status::online::{OnlineOptions, fetch_evidence};
use demail::status::{
    CertificateStatus, Evidence, EvidenceError, EvidenceKind, FetchError, Indication, Responder,
    RevocationReason, StatusOptions, StatusRequest, StatusSource, SubIndication, TimeoutPhase, check_status,
    requests_needed,
};
use demail::trust::{StatusPolicy, VerifyOptions};

use common::status_pki::{StatusPki, make_with_locations};

/// The PKI and the loopback ports its certificates name: the providers'
/// OCSP responder and CRL, the intermediate's CRL (of the root).
struct Online {
    pki: StatusPki,
    ocsp_port: u16,
    crl_port: u16,
    root_crl_port: u16,
}

/// Made once per test binary; `None` when openssl is missing (skipped
/// locally, a failure in CI).
fn online() -> Option<&'static Online> {
    static ONLINE: OnceLock<Option<Online>> = OnceLock::new();
    ONLINE
        .get_or_init(|| {
            let (ocsp_port, crl_port, root_crl_port) = (free_port(), free_port(), free_port());
            let ocsp_url = format!("http://127.0.0.1:{ocsp_port}/");
            let crl_url = format!("http://127.0.0.1:{crl_port}/ca.crl");
            let root_crl_url = format!("http://127.0.0.1:{root_crl_port}/root.crl");
            make_with_locations("status-online-pki", &[&ocsp_url, &crl_url, &root_crl_url]).map(|pki| {
                Online {
                    pki,
                    ocsp_port,
                    crl_port,
                    root_crl_port,
                }
            })
        })
        .as_ref()
}

/// The ports are fixed in the certificates: one test at a time uses them.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `openssl ocsp -port`, the PKI's delegated responder answering from the
/// intermediate's `openssl ca` database; killed on drop.
struct OcspResponder(Child);

impl OcspResponder {
    fn start(online: &Online) -> Self {
        let child = Command::new("openssl")
            .args(["ocsp", "-index", "index.txt", "-CA", "sub.pem"])
            .args([
                "-rsigner",
                "responder.pem",
                "-rkey",
                "responder.key",
                "-ndays",
                "1",
            ])
            .args(["-port", &online.ocsp_port.to_string()])
            .current_dir(&online.pki.dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut responder = OcspResponder(child);
        // openssl prints `ACCEPT [::]:PORT` once it listens. (A probe
        // connection would not do: the one-at-a-time responder waits on it.)
        let stdout = responder.0.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        assert!(line.starts_with("ACCEPT"), "openssl ocsp: {line:?}");
        responder
    }
}

impl Drop for OcspResponder {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What a [`Server`] does with a request.
#[derive(Clone)]
enum Reply {
    /// Answers 200 with the body.
    Body(Arc<Vec<u8>>),
    /// Answers with this status and no body.
    Status(u16),
    /// Accepts, reads the request and never answers.
    Silent,
    /// Answers 302 to this location.
    Redirect(String),
}

/// A one-thread HTTP/1.1 server on 127.0.0.1:`port`, replying the same to
/// every request; stopped on drop.
struct Server {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    fn start(port: u16, reply: Reply) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    return;
                }
                if let Ok(stream) = stream {
                    answer(stream, &reply, &stopped);
                }
            }
        });
        Server {
            port,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn answer(mut stream: TcpStream, reply: &Reply, stop: &AtomicBool) {
    read_request(&mut stream);
    let response = match reply {
        Reply::Body(body) => {
            let mut response = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .into_bytes();
            response.extend_from_slice(body);
            response
        }
        Reply::Status(status) => {
            format!("HTTP/1.1 {status} Nope\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").into_bytes()
        }
        Reply::Redirect(location) => format!(
            "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .into_bytes(),
        Reply::Silent => {
            while !stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(20));
            }
            return;
        }
    };
    // The client may hang up early (a size limit): that is its answer.
    let _ = stream.write_all(&response);
}

/// Reads the request head and a Content-Length body.
fn read_request(stream: &mut TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut request = Vec::new();
    let mut buffer = [0u8; 4096];
    while let Ok(n @ 1..) = stream.read(&mut buffer) {
        request.extend_from_slice(&buffer[..n]);
        let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .and_then(|value| value.trim().parse().ok())
            .unwrap_or(0);
        if request.len() >= end + 4 + length {
            return;
        }
    }
}

fn requests(online: &Online, provider: &str) -> Vec<StatusRequest> {
    requests_needed(&online.pki.cert(provider), &online.pki.cert("sub")).unwrap()
}

/// Fetches the `kind` requests of `provider`.
fn fetch(online: &Online, provider: &str, kind: EvidenceKind, options: &OnlineOptions) -> Evidence {
    let requests: Vec<StatusRequest> = requests(online, provider)
        .into_iter()
        .filter(|request| request.kind() == kind)
        .collect();
    fetch_evidence(&requests, options)
}

fn status(online: &Online, provider: &str, evidence: &Evidence) -> CertificateStatus {
    check_status(
        &online.pki.cert(provider),
        &online.pki.cert("sub"),
        SystemTime::now(),
        evidence,
        &StatusOptions::default(),
    )
}

/// `openssl ocsp -respin` of a fetched response: verified against the
/// chain, the status line of `provider`.
fn openssl_ocsp_status(online: &Online, provider: &str, response: &[u8]) -> String {
    let file = online.pki.path(&format!("fetched-{provider}.der"));
    std::fs::write(&file, response).unwrap();
    let output = Command::new("openssl")
        .args(["ocsp", "-respin"])
        .arg(&file)
        .args(["-issuer", "sub.pem", "-CAfile", "chain.pem", "-cert"])
        .arg(format!("{provider}.pem"))
        .current_dir(&online.pki.dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Response verify OK"), "{stderr}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Short timeouts for the tests of failures, which must not wait the
/// defaults; the tests of answers use the defaults.
fn short() -> OnlineOptions {
    OnlineOptions {
        connect_timeout: Duration::from_secs(1),
        read_timeout: Duration::from_secs(1),
        total_timeout: Duration::from_secs(5),
        ..OnlineOptions::default()
    }
}

// RFC 5280 §4.2.2.1, §4.2.1.13, D197: the OCSP request goes to the AIA's responder, the CRL
// request to the distribution point; the request is one openssl reads as a request for the
// certificate's serial
#[test]
fn rfc5280_4_2_2_1_requests_follow_aia_and_crl_distribution_points() {
    let Some(online) = online() else { return };
    let planned = requests(online, "provider-good");
    assert_eq!(planned.len(), 2, "{planned:?}");
    let StatusRequest::Ocsp { url, body } = &planned[0] else {
        panic!("first an OCSP request: {planned:?}")
    };
    assert_eq!(url, &format!("http://127.0.0.1:{}/", online.ocsp_port));
    assert_eq!(
        planned[1],
        StatusRequest::Crl {
            url: format!("http://127.0.0.1:{}/ca.crl", online.crl_port)
        }
    );
    let file = online.pki.path("planned.req");
    std::fs::write(&file, body).unwrap();
    let text = Command::new("openssl")
        .args(["ocsp", "-reqin"])
        .arg(&file)
        .arg("-req_text")
        .output()
        .unwrap();
    let serial = Command::new("openssl")
        .args(["x509", "-noout", "-serial", "-in", "provider-good.pem"])
        .current_dir(&online.pki.dir)
        .output()
        .unwrap();
    let serial = String::from_utf8_lossy(&serial.stdout)
        .trim()
        .trim_start_matches("serial=")
        .to_owned();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Hash Algorithm: sha1"), "{text}");
    assert!(
        text.contains(&format!("Serial Number: {serial}")),
        "{serial} in {text}"
    );
    // The responder certificate names no locations: nothing to ask.
    assert!(requests(online, "responder").is_empty());
}

// RFC 6960 Appendix A.1, §2.2: the live responder says good; the fetched response verifies
// (delegated responder, D129) and openssl agrees
#[test]
fn rfc6960_a1_good_from_the_live_responder() {
    let Some(online) = online() else { return };
    let _serial = serial();
    let _responder = OcspResponder::start(online);
    let evidence = fetch(
        online,
        "provider-good",
        EvidenceKind::Ocsp,
        &OnlineOptions::default(),
    );
    assert_eq!(evidence.failed_fetches, Vec::new());
    assert_eq!(evidence.ocsp_responses.len(), 1);
    let status = status(online, "provider-good", &evidence);
    let CertificateStatus::Good {
        source: StatusSource::Ocsp { responder, .. },
        ..
    } = &status
    else {
        panic!("good by OCSP: {status:?}")
    };
    assert!(matches!(responder, Responder::Delegated { .. }));
    assert!(openssl_ocsp_status(online, "provider-good", &evidence.ocsp_responses[0]).contains(": good"));
}

// RFC 6960 §2.2, PVD FU Schritt 48: the live responder says revoked (keyCompromise): FC-02;
// openssl reads the same revocation from the fetched bytes
#[test]
fn rfc6960_a1_revoked_from_the_live_responder_fails_fc02() {
    let Some(online) = online() else { return };
    let _serial = serial();
    let _responder = OcspResponder::start(online);
    let evidence = fetch(
        online,
        "provider-revoked",
        EvidenceKind::Ocsp,
        &OnlineOptions::default(),
    );
    assert_eq!(evidence.ocsp_responses.len(), 1, "{:?}", evidence.failed_fetches);
    let status = status(online, "provider-revoked", &evidence);
    let CertificateStatus::Revoked { revocation, .. } = &status else {
        panic!("revoked: {status:?}")
    };
    assert_eq!(revocation.reason, Some(RevocationReason::KeyCompromise));
    assert_eq!(status.error_case().map(|case| case.code()), Some("FC-02"));
    assert!(
        openssl_ocsp_status(online, "provider-revoked", &evidence.ocsp_responses[0]).contains(": revoked")
    );
}

// D196, PVD FU Schritt 48: the responder is down: the fetch fails with a typed error, the
// status is unavailable (FC-03, INDETERMINATE/TRY_LATER) with that reason, which only
// StatusPolicy::Require refuses
#[test]
fn d196_responder_down_is_unavailable_fc03_try_later() {
    let Some(online) = online() else { return };
    let _serial = serial();
    let evidence = fetch(online, "provider-good", EvidenceKind::Ocsp, &short());
    assert!(evidence.ocsp_responses.is_empty());
    assert_eq!(evidence.failed_fetches.len(), 1);
    assert_eq!(evidence.failed_fetches[0].error, FetchError::ConnectionFailed);
    assert_eq!(evidence.failed_fetches[0].kind, EvidenceKind::Ocsp);
    let status = status(online, "provider-good", &evidence);
    let CertificateStatus::Unavailable(unavailable) = &status else {
        panic!("unavailable: {status:?}")
    };
    assert!(matches!(
        unavailable.rejected[0].error,
        EvidenceError::NotFetched(_)
    ));
    assert_eq!(unavailable.rejected[0].error.code(), "fetch_connection_failed");
    assert_eq!(status.error_case().map(|case| case.code()), Some("FC-03"));
    assert_eq!(
        Indication::of(&status, demail::status::TimeBasis::Now),
        Indication::Indeterminate(SubIndication::TryLater)
    );
    let if_given = VerifyOptions::default();
    assert!(!if_given.status_refuses(&status));
    let required = VerifyOptions {
        status_policy: StatusPolicy::Require,
        ..VerifyOptions::default()
    };
    assert!(required.status_refuses(&status));
}

// RFC 6960 §3.2 item 1: a responder that answers with a (valid, signed) response for another
// certificate does not confirm this one
#[test]
fn rfc6960_3_2_a_response_for_another_certificate_is_refused() {
    let Some(online) = online() else { return };
    let _serial = serial();
    let _server = Server::start(
        online.ocsp_port,
        Reply::Body(Arc::new(online.pki.bytes("ocsp-other.der"))),
    );
    let evidence = fetch(
        online,
        "provider-good",
        EvidenceKind::Ocsp,
        &OnlineOptions::default(),
    );
    assert_eq!(evidence.ocsp_responses.len(), 1, "{:?}", evidence.failed_fetches);
    let status = status(online, "provider-good", &evidence);
    let CertificateStatus::Unavailable(unavailable) = &status else {
        panic!("not confirmed: {status:?}")
    };
    assert_eq!(unavailable.rejected[0].error.code(), "ocsp_not_for_certificate");
    assert_eq!(status.error_case().map(|case| case.code()), Some("FC-03"));
}

// D195: a server that accepts and never answers is given up after the read timeout: the
// fetch returns within it (with a margin for a loaded machine), the status is unavailable
#[test]
fn d195_a_silent_server_times_out_within_the_read_timeout() {
    let Some(online) = online() else { return };
    let _serial = serial();
    let _server = Server::start(online.ocsp_port, Reply::Silent);
    let started = Instant::now();
    let evidence = fetch(online, "provider-good", EvidenceKind::Ocsp, &short());
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(4), "{elapsed:?}");
    assert_eq!(evidence.failed_fetches.len(), 1);
    assert_eq!(
        evidence.failed_fetches[0].error,
        FetchError::Timeout {
            phase: TimeoutPhase::Read
        }
    );
    assert_eq!(status(online, "provider-good", &evidence).code(), "unavailable");
}

// D195: an OCSP answer larger than the default 1 MiB is not read: a typed refusal, nothing kept
#[test]
fn d195_an_oversize_response_is_refused() {
    let Some(online) = online() else { return };
    let _serial = serial();
    let oversize = vec![0x30; (1 << 20) + 1];
    let _server = Server::start(online.ocsp_port, Reply::Body(Arc::new(oversize)));
    let evidence = fetch(
        online,
        "provider-good",
        EvidenceKind::Ocsp,
        &OnlineOptions::default(),
    );
    assert!(evidence.ocsp_responses.is_empty());
    assert_eq!(
        evidence.failed_fetches[0].error,
        FetchError::TooLarge { limit: 1 << 20 }
    );
    assert_eq!(status(online, "provider-good", &evidence).code(), "unavailable");
}

// D195: only 200 is an answer; a 404 is a typed failure with the status
#[test]
fn d195_an_http_error_status_is_a_failed_fetch() {
    let Some(online) = online() else { return };
    let _serial = serial();
    let _server = Server::start(online.crl_port, Reply::Status(404));
    let evidence = fetch(
        online,
        "provider-good",
        EvidenceKind::Crl,
        &OnlineOptions::default(),
    );
    assert!(evidence.crls.is_empty());
    assert_eq!(
        evidence.failed_fetches[0].error,
        FetchError::HttpStatus { status: 404 }
    );
    assert_eq!(evidence.failed_fetches[0].kind, EvidenceKind::Crl);
}

// D195: at most 3 redirects are followed: a location that redirects to itself is a typed
// failure, not a loop; a redirect to https is refused before connecting (no TLS is built in);
// one to another http location is followed
#[test]
fn d195_redirects_are_bounded() {
    let Some(online) = online() else { return };
    let _serial = serial();
    let crl_url = format!("http://127.0.0.1:{}/ca.crl", online.crl_port);
    let looping = Server::start(online.crl_port, Reply::Redirect(crl_url));
    let evidence = fetch(online, "provider-good", EvidenceKind::Crl, &short());
    assert_eq!(evidence.failed_fetches[0].error, FetchError::Redirect);
    drop(looping);
    let to_https = Server::start(
        online.crl_port,
        Reply::Redirect("https://127.0.0.1:1/ca.crl".to_owned()),
    );
    let evidence = fetch(online, "provider-good", EvidenceKind::Crl, &short());
    assert!(evidence.crls.is_empty());
    assert_eq!(evidence.failed_fetches[0].error, FetchError::Redirect);
    drop(to_https);
    let mirror_port = free_port();
    let crl = online.pki.bytes("crl-after.der");
    let _mirror = Server::start(mirror_port, Reply::Body(Arc::new(crl.clone())));
    let _moved = Server::start(
        online.crl_port,
        Reply::Redirect(format!("http://127.0.0.1:{mirror_port}/ca.crl")),
    );
    let evidence = fetch(online, "provider-good", EvidenceKind::Crl, &short());
    assert_eq!(evidence.crls, vec![crl], "{:?}", evidence.failed_fetches);
}

// RFC 5280 §4.2.1.13, §6.3: the CRL fetched over HTTP from the distribution point decides:
// revoked for the revoked provider (FC-02), good for the other; openssl reads the same CRL
#[test]
fn rfc5280_4_2_1_13_crl_fetched_from_the_distribution_point() {
    let Some(online) = online() else { return };
    let _serial = serial();
    let crl = online.pki.bytes("crl-after.der");
    let _server = Server::start(online.crl_port, Reply::Body(Arc::new(crl.clone())));
    let evidence = fetch(
        online,
        "provider-revoked",
        EvidenceKind::Crl,
        &OnlineOptions::default(),
    );
    assert_eq!(evidence.crls, vec![crl], "{:?}", evidence.failed_fetches);
    let revoked = status(online, "provider-revoked", &evidence);
    assert_eq!(revoked.code(), "revoked");
    assert_eq!(revoked.error_case().map(|case| case.code()), Some("FC-02"));
    assert_eq!(status(online, "provider-good", &evidence).code(), "good");
    let fetched = online.pki.path("fetched.crl");
    std::fs::write(&fetched, &evidence.crls[0]).unwrap();
    let listed = Command::new("openssl")
        .args(["crl", "-inform", "DER", "-noout", "-text", "-in"])
        .arg(&fetched)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&listed.stdout).contains("Key Compromise"));
}

// D197, RFC 5019 §5: https is refused with a typed error before any connection (no TLS is
// built in); so is a URL without a scheme
#[test]
fn d197_https_is_refused() {
    let requests = [
        StatusRequest::Crl {
            url: "https://127.0.0.1:1/ca.crl".to_owned(),
        },
        StatusRequest::Crl {
            url: "ldap://127.0.0.1:1/cn=ca".to_owned(),
        },
    ];
    let evidence = fetch_evidence(&requests, &short());
    assert_eq!(evidence.failed_fetches.len(), 2);
    assert!(
        evidence
            .failed_fetches
            .iter()
            .all(|failure| failure.error == FetchError::NotHttp)
    );
}

/// The JSON of a `demail` run, after checking its exit code.
#[cfg(feature = "cli")]
fn exits(output: &std::process::Output, code: i32) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(code), "{stdout}");
    cli::json(output)
}

/// tests/data/normal.eml signed by the PKI's `provider`, written to a file.
#[cfg(feature = "cli")]
fn signed_file(online: &Online, provider: &str) -> String {
    use demail::integrity::{SignOptions, sign};
    let signed = sign(
        &common::data("normal.eml"),
        &SignOptions::signed(&online.pki.signer(provider)),
    )
    .unwrap();
    let path = online.pki.path(&format!("signed-{provider}.eml"));
    std::fs::write(&path, signed).unwrap();
    path.to_string_lossy().into_owned()
}

// D198, PVD FU Schritt 48: `demail verify --online` asks the live responder and the CRL
// location: a revoked signer exits 1 with FC-02, a good one 0 with status good; with the
// servers down the status is unavailable with the reasons, passing with a warning by
// default and failing FC-03 with --require-status
#[cfg(feature = "cli")]
#[test]
fn d198_cli_verify_online() {
    let Some(online) = online() else { return };
    let _serial = serial();
    let path = |name: &str| online.pki.path(name).to_string_lossy().into_owned();
    let (root, sub) = (path("root.pem"), path("sub.pem"));
    let run = |message: &str, extra: &[&str]| {
        let mut args = vec![
            "verify",
            message,
            "--trust-anchor",
            &root,
            "--intermediate",
            &sub,
            "--online",
        ];
        args.extend_from_slice(extra);
        cli::demail(&args, None)
    };
    let (good, revoked) = (
        signed_file(online, "provider-good"),
        signed_file(online, "provider-revoked"),
    );

    let down = run(&good, &[]);
    let json = exits(&down, 0);
    assert_eq!(json["status"]["code"], "unavailable");
    assert_eq!(json["indication"]["sub_indication"], "try_later");
    // The provider's OCSP responder and CRL, and the intermediate's CRL (D217).
    let failed = json["online"]["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 3, "{json}");
    assert!(
        failed
            .iter()
            .all(|f| f["error"]["code"] == "fetch_connection_failed"),
        "{json}"
    );
    let required = run(&good, &["--require-status"]);
    assert_eq!(exits(&required, 1)["failure"]["error_case"], "fc_03");

    // --require-status needs the intermediate's status too (D202): --online fetches it from
    // the location the intermediate names (D217), so no --crl is given.
    let _servers = serve_everything(online);
    let passed = run(&good, &["--require-status"]);
    let json = exits(&passed, 0);
    assert_eq!(json["status"]["code"], "good");
    assert_eq!(json["chain"][0]["status"]["code"], "good", "{json}");
    assert_eq!(json["online"]["requested"].as_array().map(Vec::len), Some(3));
    let refused = run(&revoked, &[]);
    let json = exits(&refused, 1);
    assert_eq!(json["failure"]["error_case"], "fc_02");
    assert_eq!(json["status"]["revocation"]["reason"], "key_compromise");
}

// D198, TR 01201-3.4 §3.5.1: `demail check-confirmation --online` fetches the status of the
// confirmation's signers (integrity and XML signature, one certificate: asked once) and of
// their intermediate (D217), and of the original's (the crate's test PKI names no
// locations: nothing to ask); a confirmation
// by the revoked provider exits 1 with FC-02 and the XML signer `revoked`
#[cfg(feature = "cli")]
#[test]
fn d198_cli_check_confirmation_online() {
    let Some(online) = online() else { return };
    let _serial = serial();
    let (confirmation, original) = common::status_pki::confirmation_by(&online.pki, "provider-revoked");
    let (confirmation_path, original_path) = (
        online.pki.path("confirmation.eml"),
        online.pki.path("original.eml"),
    );
    std::fs::write(&confirmation_path, confirmation).unwrap();
    std::fs::write(&original_path, original).unwrap();
    let path = |p: &std::path::Path| p.to_string_lossy().into_owned();
    let (root, sub) = (
        path(&online.pki.path("root.pem")),
        path(&online.pki.path("sub.pem")),
    );
    let (ca, intermediate) = (
        path(&common::path("keys/ca.cert.pem")),
        path(&common::path("keys/intermediate.cert.pem")),
    );
    let (confirmation, original) = (path(&confirmation_path), path(&original_path));
    let _servers = serve_everything(online);
    let output = cli::demail(
        &[
            "check-confirmation",
            &confirmation,
            "--original",
            &original,
            "--trust-anchor",
            &root,
            "--trust-anchor",
            &ca,
            "--intermediate",
            &sub,
            "--intermediate",
            &intermediate,
            "--online",
        ],
        None,
    );
    let json = exits(&output, 1);
    assert_eq!(json["integrity"]["failure"]["error_case"], "fc_02");
    assert_eq!(json["xml_signature"]["status"]["code"], "revoked");
    assert_eq!(
        json["online"]["requested"].as_array().map(Vec::len),
        Some(3),
        "{json}"
    );
    assert_eq!(
        json["online"]["failed"].as_array().map(Vec::len),
        Some(0),
        "{json}"
    );
    // The fetched evidence is about other certificates than the original's signer: it passes
    // with `unavailable` (D157).
    assert_eq!(json["original_integrity"]["verdict"], "pass");
    assert_eq!(json["original_integrity"]["status"]["code"], "unavailable");
}

// D157, D196, RFC 6960 §3.2 item 1: evidence fetched for one signer is pooled with the others'
// (a confirmation and its original are signed under different CAs); another CA's OCSP
// response does not name this certificate's certID, so it is "about another certificate",
// not a forged or unauthorized response, and only StatusPolicy::Require refuses it
#[test]
fn d157_an_ocsp_response_of_another_ca_is_about_another_certificate() {
    let Some(online) = online() else { return };
    let evidence = Evidence {
        ocsp_responses: vec![online.pki.bytes("ocsp-good.der")],
        ..Evidence::default()
    };
    let status = check_status(
        &common::cert("bp256"),
        &common::cert("intermediate"),
        common::now(),
        &evidence,
        &StatusOptions::default(),
    );
    let CertificateStatus::Unavailable(unavailable) = &status else {
        panic!("unavailable: {status:?}")
    };
    assert_eq!(unavailable.rejected[0].error.code(), "ocsp_not_for_certificate");
    assert!(unavailable.only_about_other_certificates());
    assert!(!VerifyOptions::default().status_refuses(&status));
}

/// Every location the PKI names, answering: the delegated OCSP responder,
/// the intermediate's CRL after the revocation, the root's CRL.
fn serve_everything(online: &Online) -> (OcspResponder, Server, Server) {
    let responder = OcspResponder::start(online);
    let crl = Server::start(
        online.crl_port,
        Reply::Body(Arc::new(online.pki.bytes("crl-after.der"))),
    );
    let root_crl = Server::start(
        online.root_crl_port,
        Reply::Body(Arc::new(online.pki.bytes("crl-root.der"))),
    );
    (responder, crl, root_crl)
}

/// A verifier with the online PKI's root as anchor and its intermediate.
fn online_verifier(online: &Online) -> demail::Verifier {
    demail::Verifier::builder()
        .trust_anchor(online.pki.cert("root"))
        .intermediate(online.pki.cert("sub"))
        .build()
}

// D217, D202, RFC 5280 §4.2.2.1, §4.2.1.13: the Verifier's plan asks for the signer's OCSP
// responder and CRL (issued by the intermediate) and for the intermediate's CRL (issued by the
// root); the root, the trust anchor, is not asked about. Without anchors nothing is planned
#[test]
fn d217_the_plan_covers_the_signer_and_its_ca() {
    let Some(online) = online() else { return };
    let signer = online.pki.cert("provider-good");
    let plan = online_verifier(online)
        .status_plan(&signer, SystemTime::now())
        .expect("a verified path");
    let mut expected = requests(online, "provider-good");
    expected.extend(requests_needed(&online.pki.cert("sub"), &online.pki.cert("root")).unwrap());
    assert_eq!(plan.requests, expected);
    assert!(plan.unplanned.is_empty());
    let urls: Vec<&str> = plan.requests.iter().map(StatusRequest::url).collect();
    assert_eq!(
        urls,
        [
            format!("http://127.0.0.1:{}/", online.ocsp_port),
            format!("http://127.0.0.1:{}/ca.crl", online.crl_port),
            format!("http://127.0.0.1:{}/root.crl", online.root_crl_port),
        ]
    );
    let unanchored = demail::Verifier::builder().build();
    assert!(unanchored.status_plan(&signer, SystemTime::now()).is_none());
}

// D217, issue 13 §4: an async service verifies once, asks the Verifier for the plan, fetches
// it itself (here on tokio's blocking pool, as a service with its own client would) and
// verifies again with the answers: the revoked signer fails FC-02, the intermediate is good
#[cfg(feature = "cli")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
// The lock keeps the other tests off the fixed ports for the whole test; no
// task of this runtime takes it, so holding it across the await is safe.
#[allow(clippy::await_holding_lock)]
async fn d217_async_flow_plan_fetch_and_verify_again() {
    let Some(online) = online() else { return };
    let _serial = serial();
    let _servers = serve_everything(online);
    let verifier = Arc::new(online_verifier(online));
    let message = std::fs::read(signed_file(online, "provider-revoked")).unwrap();
    let at = SystemTime::now();
    let first = verifier.verify_envelope(&message, at).unwrap();
    assert_eq!(first.status.code(), "not_checked");
    let signer = first.certificate.clone().expect("the signer");
    let plan = verifier.status_plan(&signer, at).expect("a verified path");
    let requests = plan.requests.clone();
    let evidence = tokio::task::spawn_blocking(move || fetch_evidence(&requests, &OnlineOptions::default()))
        .await
        .unwrap();
    assert!(
        evidence.failed_fetches.is_empty(),
        "{:?}",
        evidence.failed_fetches
    );
    let again = verifier
        .with_evidence(evidence)
        .verify_envelope(&message, at)
        .unwrap();
    assert_eq!(again.status.code(), "revoked");
    assert_eq!(again.chain[0].status.code(), "good");
    let failure = match &again.verdict {
        demail::integrity::Verdict::Fail(failure) => failure,
        other => panic!("{other:?}"),
    };
    assert_eq!(failure.case().code(), "FC-02");
}
