package dev.eventrouter.persistence.serialization;

/**
 * Marks messages that may cross the network between cluster nodes (commands and replies); they are
 * bound to Pekko's jackson-cbor serializer. Persisted events are not marked: they go through {@link
 * JobEventSerializer}, whose format does not depend on Java class names.
 */
public interface CborSerializable {}
