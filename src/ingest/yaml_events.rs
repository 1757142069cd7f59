//! How many parse events a YAML text holds, counted before serde_yaml is given it.
//!
//! serde_yaml 0.9 loads every event of a document (each scalar, each start and end of a list
//! or mapping, each alias) into a vector before it builds the first value, at some 200 bytes
//! an event: a 10 MB document of short scalars holds 270 MB of them, whatever is then kept.
//! The structured reader hands it small pieces (a list's items, a long form with its rows cut),
//! but some documents cannot be split: a list whose items chain anchors through one another,
//! a mapping of a million keys, a long flow list where no rows are looked for. Those are
//! counted first with libyaml itself, the parser serde_yaml runs, which frees each event as it
//! goes, so the count holds one event at a time and gives exactly the number serde_yaml would
//! load.

use std::mem::MaybeUninit;

/// Whether libyaml parses `text` into at most `limit` events (the stream's and documents'
/// own included), or stops at an error before passing it: an error is the parser's to
/// report, and serde_yaml loads only the events before it. Reads no further than the event
/// past `limit`, so a refused text costs no more to count than an accepted one.
pub fn within(text: &str, limit: usize) -> bool {
    // The parser is boxed and never moved once its input is set: libyaml keeps pointers
    // into its own buffers, as serde_yaml's wrapper does for the same reason.
    let mut parser: Box<MaybeUninit<unsafe_libyaml::yaml_parser_t>> =
        Box::new(MaybeUninit::uninit());
    let parser = parser.as_mut_ptr();
    // SAFETY: `yaml_parser_initialize` fills the whole parser before it is read; on failure
    // (no memory for its buffers) it has allocated nothing that needs freeing, and counting
    // is skipped (serde_yaml then meets the same failure and reports it).
    if unsafe { unsafe_libyaml::yaml_parser_initialize(parser) }.fail {
        return true;
    }
    // SAFETY: the parser is initialised; `text` outlives it (it is deleted below, before
    // this function returns), and libyaml only reads `len` bytes from its start.
    unsafe {
        unsafe_libyaml::yaml_parser_set_encoding(parser, unsafe_libyaml::YAML_UTF8_ENCODING);
        unsafe_libyaml::yaml_parser_set_input_string(parser, text.as_ptr(), text.len() as u64);
    }
    let mut events = 0usize;
    let within = loop {
        let mut event = MaybeUninit::<unsafe_libyaml::yaml_event_t>::uninit();
        // SAFETY: the parser is initialised and its input alive; on success the event is
        // filled, read for its type and deleted at once (it owns copies, not borrows).
        let kind = unsafe {
            if unsafe_libyaml::yaml_parser_parse(parser, event.as_mut_ptr()).fail {
                break true;
            }
            let kind = (*event.as_ptr()).type_;
            unsafe_libyaml::yaml_event_delete(event.as_mut_ptr());
            kind
        };
        events += 1;
        if events > limit {
            break false;
        }
        if kind == unsafe_libyaml::YAML_STREAM_END_EVENT {
            break true;
        }
    };
    // SAFETY: initialised above and not used after.
    unsafe { unsafe_libyaml::yaml_parser_delete(parser) };
    within
}

#[cfg(test)]
mod tests {
    use super::within;

    #[test]
    fn counts_what_the_parser_reads() {
        // Stream start, document start, mapping start, two scalars, mapping end, document
        // end, stream end.
        assert!(within("a: 1\n", 9));
        assert!(within("a: 1\n", 8));
        assert!(!within("a: 1\n", 7));
        // Each scalar of a flow list, and the list's start and end.
        let list = format!("[{}]", vec!["1"; 1000].join(", "));
        assert!(within(&list, 1006));
        assert!(!within(&list, 1005));
        // An alias is one event, however much its anchor holds.
        assert!(within("- &a [1, 2, 3]\n- *a\n- *a\n", 13));
        assert!(!within("- &a [1, 2, 3]\n- *a\n- *a\n", 12));
    }

    /// The densest texts known, which the structured reader's byte bound relies on: some one
    /// event a byte, four in three bytes at the most (`{a}`), past the stream's and the
    /// document's four.
    #[test]
    fn dense_texts_give_two_events_a_byte() {
        for unit in ["{a,b},", "[[],[]],", "{a},", "[a, {b}],"] {
            let text = format!("[{}]", unit.repeat(1000));
            assert!(
                serde_yaml::from_str::<serde_yaml::Value>(&text).is_ok(),
                "{unit}"
            );
            assert!(within(&text, text.len() * 4 / 3 + 4), "{unit}");
        }
        // `{a}` alone: the mapping, its key, its empty value and its end in three bytes.
        assert!(!within("{a}", 7));
        assert!(within("{a}", 8));
    }

    #[test]
    fn an_error_leaves_the_text_to_the_parser() {
        assert!(within("a: [1, 2\n", 100));
        assert!(within("a: \"open\n", 10));
        assert!(within("a: 1\n\u{1}", 100));
    }
}
