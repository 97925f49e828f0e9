package dev.eventrouter.router.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.eventrouter.persistence.job.Job;
import dev.eventrouter.router.registry.Registry;
import dev.eventrouter.router.registry.RegistryLoader;
import dev.eventrouter.router.registry.Route;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What each filter lets through, on events as ingest parses them: one route per filter, and per
 * event the routes that make a job of it.
 */
class RouteFilterTest {

  private static final Registry REGISTRY =
      RegistryLoader.parse(
          ConfigFactory.parseString(
              """
      destinations {
        all { endpoint = "http://all.example.com/" }
        tracks { endpoint = "http://tracks.example.com/" }
        orders { endpoint = "http://orders.example.com/" }
        paid { endpoint = "http://paid.example.com/" }
        versioned { endpoint = "http://versioned.example.com/" }
        unversioned { endpoint = "http://unversioned.example.com/" }
        euro { endpoint = "http://euro.example.com/" }
        big { endpoint = "http://big.example.com/" }
        flagged { endpoint = "http://flagged.example.com/" }
        both { endpoint = "http://both.example.com/" }
      }
      sources { shop { destinations = [
        all,
        { id = tracks, filter { types = [track] } },
        { id = orders, filter { events = ["Order Completed", "Checkout *"] } },
        { id = paid, filter { where = [{ field = properties.plan, in = [pro, enterprise] }] } },
        { id = versioned, filter { where = [{ field = context.app.version, exists = true }] } },
        { id = unversioned, filter { where = [{ field = context.app.version, exists = false }] } },
        { id = euro, filter { where = [{ field = properties.currency, equals = EUR }] } },
        { id = big, filter { where = [{ field = properties.total, in = [100, 250.5] }] } },
        { id = flagged, filter { where = [{ field = context.beta, equals = true }] } },
        { id = both, filter { types = [track], where = [{ field = properties.currency, equals = EUR }] } }
      ] } }
      """),
          ConfigFactory.load().getConfig("eventrouter.registry.destination-defaults"));

  private final EventParser parser = new EventParser(64);

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "{'type':'identify','userId':'u'}" + "| all unversioned",
        "{'type':'track','event':'Order Completed','properties':{'currency':'EUR','total':100.0}}"
            + "| all tracks orders unversioned euro big both",
        "{'type':'track','event':'Checkout Started','properties':{'plan':'pro','total':'100'}}"
            + "| all tracks orders paid unversioned",
        "{'type':'track','event':'Checkout','properties':{'plan':'free','currency':'eur'}}"
            + "| all tracks unversioned",
        "{'type':'page','event':'Order Completed x','context':{'app':{'version':'1.2'},'beta':true}}"
            + "| all versioned flagged",
        "{'type':'screen','context':{'app':{'version':null},'beta':'true'},'properties':{'total':2.505e2}}"
            + "| all unversioned big",
        "{'type':'track','event':7,'context':{'app':{'version':{'major':1}}},'properties':{'plan':['pro']}}"
            + "| all tracks versioned",
        "{'type':['track'],'context':{'app':'1.2'},'properties':'plan'}" + "| all unversioned",
      })
  void aRouteCarriesTheEventsItsFilterWants(String event, String destinations) {
    assertThat(destinationsOf(event))
        .containsExactlyElementsOf(Arrays.asList(destinations.trim().split(" ")));
  }

  @Test
  void anEventNoFilterWantsMakesNoJob() {
    Registry registry =
        RegistryLoader.parse(
            ConfigFactory.parseString(
                """
        destinations { a { endpoint = "http://a.example.com/" } }
        sources { s { destinations = [{ id = a, filter { types = [track] } }] } }
        """),
            ConfigFactory.load().getConfig("eventrouter.registry.destination-defaults"));

    assertThat(jobs(registry.routesOf("s"), "{'messageId':'m','type':'page'}")).isEmpty();
    assertThat(jobs(registry.routesOf("s"), "{'messageId':'m','type':'track'}")).hasSize(1);
  }

  private List<String> destinationsOf(String event) {
    return jobs(REGISTRY.routesOf("shop"), "{'messageId':'m-1'," + event.substring(1)).stream()
        .map(job -> job.pair().destination())
        .toList();
  }

  private List<Job> jobs(List<Route> routes, String event) {
    byte[] value = event.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    EventParser.Result parsed = parser.parse(value, Fanout.fieldsRead(routes));
    assertThat(parsed).isInstanceOf(EventParser.Parsed.class);
    Instant now = Instant.now();
    return Fanout.jobs((EventParser.Parsed) parsed, value, routes, now, null, now);
  }
}
