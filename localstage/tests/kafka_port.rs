//! A Kafka port that is already taken (a developer's own Kafka on 9092) stops the broker's start
//! with one line naming `--kafka-port`, before Tansu is started (so without its log).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test may panic: that is a failed test with its message
use std::net::{Ipv4Addr, TcpListener};

use localstage::kafka::{Broker, KafkaError};

#[test]
fn a_busy_port_is_one_line_naming_the_option() {
    let held = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a free port");
    let port = held.local_addr().expect("address").port();
    let error = match Broker::start(port) {
        Ok(broker) => panic!("started on a port that is in use: {broker:?}"),
        Err(error) => error,
    };
    assert!(
        matches!(error, KafkaError::PortInUse { port: p } if p == port),
        "{error:?}"
    );
    let text = error.to_string();
    assert_eq!(
        text,
        format!("port {port} is in use (is another Kafka running?): choose another with --kafka-port")
    );
    assert_eq!(text.lines().count(), 1);
    drop(held);
}

#[test]
fn a_port_held_on_every_address_counts_as_busy() {
    // Another broker listening on 0.0.0.0 holds 127.0.0.1 too.
    let held = TcpListener::bind((Ipv4Addr::UNSPECIFIED, 0)).expect("bind a free port");
    let port = held.local_addr().expect("address").port();
    assert!(
        matches!(Broker::start(port), Err(KafkaError::PortInUse { .. })),
        "port {port} on 0.0.0.0"
    );
}
