package dev.eventrouter.persistence.serialization;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import dev.eventrouter.persistence.job.Ksuid;
import java.io.IOException;

/**
 * How the job model's own value types are written by Jackson: a {@link Ksuid} as its 20 raw bytes
 * in binary formats (CBOR) and as its 27-character text in JSON. Registered in the journal's
 * serializer and, through {@code pekko.serialization.jackson.jackson-modules}, in Pekko's
 * jackson-cbor serializer for messages between nodes.
 */
public final class JobJacksonModule extends SimpleModule {

  public JobJacksonModule() {
    super("eventrouter-job");
    addSerializer(Ksuid.class, new KsuidWriter());
    addDeserializer(Ksuid.class, new KsuidReader());
  }

  private static final class KsuidWriter extends StdSerializer<Ksuid> {
    KsuidWriter() {
      super(Ksuid.class);
    }

    @Override
    public void serialize(Ksuid id, JsonGenerator out, SerializerProvider provider)
        throws IOException {
      if (out.canWriteBinaryNatively()) {
        out.writeBinary(id.toBytes());
      } else {
        out.writeString(id.toString());
      }
    }
  }

  private static final class KsuidReader extends StdDeserializer<Ksuid> {
    KsuidReader() {
      super(Ksuid.class);
    }

    @Override
    public Ksuid deserialize(JsonParser in, DeserializationContext context) throws IOException {
      if (in.currentToken() == JsonToken.VALUE_STRING) {
        try {
          return Ksuid.parse(in.getText());
        } catch (IllegalArgumentException e) {
          return (Ksuid) context.handleWeirdStringValue(Ksuid.class, in.getText(), e.getMessage());
        }
      }
      return Ksuid.fromBytes(in.getBinaryValue());
    }
  }
}
