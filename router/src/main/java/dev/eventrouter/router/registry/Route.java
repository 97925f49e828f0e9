package dev.eventrouter.router.registry;

import java.net.URI;

/** One destination of a source, with the endpoint its jobs go to (the source's own, or the destination's). */
public record Route(Destination destination, URI endpoint) {}
