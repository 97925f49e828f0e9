// The router's own embedded Kafka broker (dev.eventrouter.router.kafka.EmbeddedKafka, same
// settings) in a process of its own, so that the cost benchmark can read the broker's CPU apart
// from the router's. Run with the router jar on the class path (Java's single-file launch):
//   java -cp router/target/eventrouter.jar loadtest/bench/Broker.java PORT CONTROLLER_PORT DATA_DIR \
//     [TOPIC...]
// It creates the TOPICs (8 partitions, the router's default; the broker does not create topics
// on first use) unless they exist, prints "broker ready", and runs until killed.
import com.typesafe.config.ConfigFactory;
import dev.eventrouter.router.kafka.EmbeddedKafka;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

public class Broker {
  public static void main(String[] args) throws Exception {
    var embedded = ConfigFactory.parseMap(Map.of("port", Integer.parseInt(args[0]),
            "controller-port", Integer.parseInt(args[1])))
        .withFallback(ConfigFactory.load().getConfig("eventrouter.kafka.embedded"));
    EmbeddedKafka broker = EmbeddedKafka.start(embedded, Path.of(args[2]));
    Runtime.getRuntime().addShutdownHook(new Thread(broker::close));
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      Set<String> existing = admin.listTopics().names().get();
      for (String topic : Arrays.copyOfRange(args, 3, args.length)) {
        if (!existing.contains(topic)) {
          admin.createTopics(Set.of(new NewTopic(topic, 8, (short) 1))).all().get();
        }
      }
    }
    System.out.println("broker ready " + broker.bootstrapServers());
    Thread.currentThread().join();
  }
}
