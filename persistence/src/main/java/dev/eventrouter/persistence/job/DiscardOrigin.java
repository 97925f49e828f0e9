package dev.eventrouter.persistence.job;

/**
 * Who decided a job cannot be delivered: kept apart everywhere (trace, metrics, archive), since a
 * customer's endpoint refusing a job and the router failing are different problems.
 */
public enum DiscardOrigin {
  /** The destination refused the job (a 4xx other than 408 and 429). */
  CUSTOMER,
  /** The router cannot send the job (for example an endpoint that is not a valid URL). */
  SYSTEM
}
