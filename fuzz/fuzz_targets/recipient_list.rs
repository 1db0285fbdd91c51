//! `RecipientList::parse` on UTF-8 input; a list that parses must survive
//! `to_string()` and parse again into an equal list, and its canonical form
//! must be stable.
#![no_main]

use demail::address::RecipientList;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    let Ok(list) = RecipientList::parse(input) else {
        return;
    };
    assert!(!list.is_empty(), "Ok with no recipients");
    for address in list.iter() {
        let _ = address.acm_violations();
    }
    let text = list.to_string();
    let again = match RecipientList::parse(&text) {
        Ok(again) => again,
        Err(err) => panic!("canonical form {text:?} does not parse: {err}\nlist: {list:#?}"),
    };
    assert_eq!(
        again, list,
        "round trip through {text:?} differs (left: re-parsed)"
    );
    assert!(again.same_recipients(&list));
    assert_eq!(again.to_string(), text, "canonical form is not stable");
});
