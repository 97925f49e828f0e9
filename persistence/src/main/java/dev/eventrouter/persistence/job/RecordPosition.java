package dev.eventrouter.persistence.job;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * Where in the ingest topic the Kafka record a job was made from lies: what a queue tells a record
 * read twice by, once it has forgotten the job's id. Written as a two-number array: it is stored
 * with every job accepted from Kafka and with every live job of a queue's snapshot.
 */
@JsonFormat(shape = JsonFormat.Shape.ARRAY)
@JsonPropertyOrder({"partition", "offset"})
public record RecordPosition(int partition, long offset) {

  public RecordPosition {
    if (partition < 0 || offset < 0) {
      throw new IllegalArgumentException("not a record position: " + partition + "@" + offset);
    }
  }

  @Override
  public String toString() {
    return partition + "@" + offset;
  }
}
