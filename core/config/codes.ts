import { defineCodes } from '../errors';

/** Error codes of the config part. Add each new code here with its meaning and action. */
export const CONFIG_CODES = defineCodes({
  CD_E_CONFIG_INVALID: {
    meaning:
      'The hub configuration breaks its JSON Schema or refers to something that does not exist; details.problems lists every problem with its path.',
    action: 'Fix each listed path (run `crossdock config check <file>`), then start again.',
    retriable: false,
  },
  CD_E_CONFIG_UNREADABLE: {
    meaning: 'The hub configuration file could not be read or is not valid YAML.',
    action: 'Check the path and the YAML syntax at the line shown.',
    retriable: false,
  },
  CD_E_CONFIG_ENV_UNSET: {
    meaning:
      'A configuration field reads an environment variable (`${NAME}` in a sink secret or header, a `secretsEnv`) that is unset or empty and gives no `${NAME:-default}`; the hub never turns a missing secret into an empty one (an unsigned webhook). `config check`, `crossdock start` and `config apply` list it as a problem of CD_E_CONFIG_INVALID with the field and the variable.',
    action:
      'Set the variable where the hub runs (or, for `${NAME}`, write an explicit default `${NAME:-…}`), then start or apply again.',
    retriable: false,
  },
  CD_E_CONFIG_RESTART_ONLY: {
    meaning:
      'A configuration applied to a running hub changes a setting of the `hub:` section (topic prefix, topics, router, health), which takes effect only at a restart; nothing was changed.',
    action:
      'Apply the sites, subscribers, routes and rules changes without the hub section change, or restart the hub with the new file.',
    retriable: false,
  },
  CD_E_CONFIG_APPLY_FAILED: {
    meaning:
      'A valid configuration could not be put into effect (a component did not start from it, e.g. a secret variable is unset or Kafka refused a topic); the hub went back to the configuration it ran.',
    action: 'Read the message, fix the cause, apply again. The hub log has the component that failed.',
    retriable: false,
  },
  CD_E_HUB_NOT_RUNNING: {
    meaning:
      'No running hub was found to apply the configuration to: no run file in the crossdock home (it is written by `crossdock start`), or the hub at the given address does not answer.',
    action:
      'Start the hub (`crossdock start`), use the same CROSSDOCK_HOME, or point at it with --hub <url> and CROSSDOCK_ADMIN_TOKEN.',
    retriable: true,
  },
  CD_E_HUB_UNAUTHORIZED: {
    meaning: "The running hub refused the control request: the token is missing or not the hub's.",
    action:
      "Use the token of the hub's run file (same CROSSDOCK_HOME as the hub), or set CROSSDOCK_ADMIN_TOKEN to it.",
    retriable: false,
  },
});
