// The router's own embedded Kafka broker (dev.eventrouter.router.kafka.EmbeddedKafka, same
// settings) in a process of its own, so that the cost benchmark can read the broker's CPU apart
// from the router's. Run with the router jar on the class path (Java's single-file launch):
//   java -cp router/target/eventrouter.jar loadtest/bench/Broker.java PORT CONTROLLER_PORT DATA_DIR
// It runs until killed.
import com.typesafe.config.ConfigFactory;
import dev.eventrouter.router.kafka.EmbeddedKafka;
import java.nio.file.Path;
import java.util.Map;

public class Broker {
  public static void main(String[] args) throws Exception {
    var embedded = ConfigFactory.parseMap(Map.of("port", Integer.parseInt(args[0]),
            "controller-port", Integer.parseInt(args[1])))
        .withFallback(ConfigFactory.load().getConfig("eventrouter.kafka.embedded"));
    EmbeddedKafka broker = EmbeddedKafka.start(embedded, Path.of(args[2]));
    Runtime.getRuntime().addShutdownHook(new Thread(broker::close));
    System.out.println("broker ready " + broker.bootstrapServers());
    Thread.currentThread().join();
  }
}
