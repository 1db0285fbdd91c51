//! `DeMailAddress::parse` on UTF-8 input; an address that parses must survive
//! `to_string()` (Display) and parse again into an equal address, its
//! `addr_spec()` must parse as a bare addr-spec with the same mailbox, and
//! `acm_violations()` must not panic.
#![no_main]

use demail::address::DeMailAddress;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    let Ok(address) = DeMailAddress::parse(input) else {
        return;
    };
    let _ = address.acm_violations();
    let _ = address.is_pseudonym();
    let _ = address.is_system_address();

    let text = address.to_string();
    let again = match DeMailAddress::parse(&text) {
        Ok(again) => again,
        Err(err) => panic!("Display form {text:?} does not parse: {err}\naddress: {address:#?}"),
    };
    assert_eq!(
        again, address,
        "round trip through {text:?} differs (left: re-parsed)"
    );
    assert_eq!(again.to_string(), text, "Display form is not stable");

    let spec = address.addr_spec();
    match DeMailAddress::parse_addr_spec(&spec) {
        Ok(bare) => assert!(
            bare.same_mailbox(&address),
            "addr_spec {spec:?} names another mailbox"
        ),
        Err(err) => panic!("addr_spec {spec:?} does not parse: {err}\naddress: {address:#?}"),
    }
});
