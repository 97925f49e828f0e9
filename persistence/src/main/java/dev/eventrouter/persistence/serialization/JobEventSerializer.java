package dev.eventrouter.persistence.serialization;

import dev.eventrouter.persistence.job.JobEvent;
import java.util.Map;
import org.apache.pekko.actor.ExtendedActorSystem;

/** The journal format of job events: {@link StableNameSerializer} with one name per event type. */
public final class JobEventSerializer extends StableNameSerializer {

  /** Serializer ids must be unique in the actor system; 0-40 belong to Pekko. */
  public static final int IDENTIFIER = 7301;

  static final Map<Class<?>, String> NAMES =
      Map.of(
          JobEvent.AwaitingScheduling.class, "job.awaiting-scheduling",
          JobEvent.Succeeded.class, "job.succeeded",
          JobEvent.Discarded.class, "job.discarded",
          JobEvent.AwaitingRetry.class, "job.awaiting-retry",
          JobEvent.Archiving.class, "job.archiving",
          JobEvent.Archived.class, "job.archived",
          JobEvent.CarriedForward.class, "job.carried-forward",
          JobEvent.RetryRequested.class, "job.retry-requested");

  public JobEventSerializer(ExtendedActorSystem system) {
    super(IDENTIFIER, NAMES);
  }
}
