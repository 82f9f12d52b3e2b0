//! Tests of the broker launcher: the cluster id read from the broker's answer, the log tail kept,
//! and one-line errors for a port in use or a missing binary.

use super::*;

#[test]
fn the_probe_is_a_metadata_v2_request_for_every_topic() {
    let request = metadata_request(7);
    let expected: Vec<u8> = [
        &[0, 0, 0, 30][..],        // size of what follows
        &[0, 3],                   // api key: Metadata
        &[0, 2],                   // version 2
        &[0, 0, 0, 7],             // correlation id
        &[0, 16],                  // client id length
        b"streamgate-probe",       // client id
        &[0xff, 0xff, 0xff, 0xff], // topics: null (all)
    ]
    .concat();
    assert_eq!(request, expected);
}

/// Tansu 0.6.0's answer to the probe (node 111 at 127.0.0.1:19093, cluster `sg-test-42`).
const TANSU_ANSWER: &[u8] =
    b"\x00\x00\x00\x07\x00\x00\x00\x01\x00\x00\x00o\x00\t127.0.0.1\x00\x00J\x95\xff\xff\x00\nsg-test-42\x00\x00\x00o\x00\x00\x00\x00";

#[test]
fn the_cluster_id_is_read_from_an_answer_with_our_correlation_id() {
    assert_eq!(answered_cluster_id(TANSU_ANSWER, 7).as_deref(), Some("sg-test-42"));
    assert_eq!(answered_cluster_id(TANSU_ANSWER, 8), None, "someone else's answer");
    for cut in 0..TANSU_ANSWER.len() - 8 {
        assert_eq!(answered_cluster_id(&TANSU_ANSWER[..cut], 7), None, "truncated at {cut}");
    }
}

#[test]
fn the_log_tail_keeps_the_last_lines() {
    let path = std::env::temp_dir().join(format!("streamgate-tansu-tail-{}.log", std::process::id()));
    let text: String = (0..100).map(|i| format!("line {i}\n")).collect();
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    let tail = log_tail(&path);
    let _ = std::fs::remove_file(&path);
    assert_eq!(tail.lines().count(), LOG_TAIL_LINES);
    assert!(tail.starts_with("line 60\n") && tail.ends_with("line 99"), "{tail}");
    assert_eq!(log_tail(Path::new("/nonexistent/streamgate.log")), "");
}

#[test]
fn a_port_in_use_is_one_line_naming_the_option() {
    let held = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap_or_else(|e| panic!("bind: {e}"));
    let port = held
        .local_addr()
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("addr: {e}"));
    // Found before the binary is even looked at.
    let error = Broker::start_with(Path::new("/nonexistent/tansu"), port)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert_eq!(
        error,
        format!("port {port} is in use (is another Kafka running?): choose another with --kafka-port")
    );
    drop(held);
    assert!(check_port_free(port).is_ok(), "free again once released");
}

#[test]
fn a_missing_binary_names_the_install_command() {
    let error = Broker::start_with(Path::new("/nonexistent/tansu"), 0)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        error.contains("/nonexistent/tansu") && error.contains("make tools"),
        "{error}"
    );
    assert!(error.contains(TANSU_ENV), "{error}");
}
