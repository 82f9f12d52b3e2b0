"""Read every record of a topic with kafka-python (a Kafka client nobody on this project wrote) and
print one JSON line per record: partition, offset, key and value (base64, null for null), and the
partition kafka-python's own DefaultPartitioner computes for the key among the topic's partitions.

Usage: kafka_readback.py BOOTSTRAP TOPIC EXPECTED_RECORDS
Reads from the beginning of every partition until EXPECTED_RECORDS records were seen (or 20 s).
"""

import base64
import json
import sys
import time

from kafka import KafkaConsumer, TopicPartition
from kafka.partitioner.default import DefaultPartitioner

bootstrap, topic, expected = sys.argv[1], sys.argv[2], int(sys.argv[3])
consumer = KafkaConsumer(
    bootstrap_servers=[bootstrap],
    enable_auto_commit=False,
    # Tansu answers a fetch that may not wait with no topic at all (see the README).
    fetch_max_wait_ms=100,
    api_version_auto_timeout_ms=10000,
)
partitions = sorted(consumer.partitions_for_topic(topic) or [])
if not partitions:
    sys.exit(f"topic {topic} has no partitions on {bootstrap}")
assigned = [TopicPartition(topic, p) for p in partitions]
consumer.assign(assigned)
consumer.seek_to_beginning(*assigned)
partitioner = DefaultPartitioner()
seen = 0
deadline = time.monotonic() + 20
while seen < expected and time.monotonic() < deadline:
    for records in consumer.poll(timeout_ms=500).values():
        for record in records:
            seen += 1
            key = record.key
            print(json.dumps({
                "partition": record.partition,
                "offset": record.offset,
                "key": None if key is None else base64.b64encode(key).decode(),
                "value": None if record.value is None else base64.b64encode(record.value).decode(),
                "kafka_python_partition": None if key is None else partitioner(key, partitions, partitions),
            }), flush=True)
consumer.close()
