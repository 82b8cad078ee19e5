/**
 * The components and fields the local runner supports, as data: name, type, kind, default, and whether a field takes
 * `${! ... }` interpolation or a whole Bloblang mapping. Every entry mirrors Redpanda Connect 4.103.1
 * (test/connect/spec.test.ts cross-checks it against the official component dump), so a config the runner accepts
 * means the same thing to real Connect. Anything not listed here is refused by name at lint time.
 */
export type FieldType = "string" | "int" | "float" | "bool" | "object" | "unknown" | "input" | "output" | "processor" | "metrics";
export type FieldKind = "scalar" | "array" | "map" | "2darray" | "";

export interface FieldSpec {
  type: FieldType;
  kind: FieldKind;
  default?: unknown;
  optional?: boolean;
  interpolated?: boolean;
  bloblang?: boolean;
  options?: string[];
  children?: Record<string, FieldSpec>;
}

export interface ComponentSpec {
  status: string;
  config: FieldSpec;
}

export type ComponentKind = "input" | "processor" | "output";

export const INPUTS: Record<string, ComponentSpec> = {
  redpanda: {
    status: "stable",
    config: {
      type: "object",
      kind: "scalar",
      children: {
        seed_brokers: {
          type: "string",
          kind: "array",
          optional: true
        },
        topics: {
          type: "string",
          kind: "array",
          optional: true
        },
        consumer_group: {
          type: "string",
          kind: "scalar",
          optional: true
        },
        client_id: {
          type: "string",
          kind: "scalar",
          default: "redpanda-connect"
        },
        start_offset: {
          type: "string",
          kind: "scalar",
          default: "earliest",
          options: [
            "committed",
            "earliest",
            "latest"
          ]
        },
        commit_period: {
          type: "string",
          kind: "scalar",
          default: "5s"
        },
        fetch_max_wait: {
          type: "string",
          kind: "scalar",
          default: "5s"
        },
        max_yield_batch_bytes: {
          type: "string",
          kind: "scalar",
          default: "32KB"
        },
        partition_buffer_bytes: {
          type: "string",
          kind: "scalar",
          default: "1MB"
        },
        rebalance_timeout: {
          type: "string",
          kind: "scalar",
          default: "45s"
        },
        session_timeout: {
          type: "string",
          kind: "scalar",
          default: "1m"
        },
        heartbeat_interval: {
          type: "string",
          kind: "scalar",
          default: "3s"
        },
        auto_replay_nacks: {
          type: "bool",
          kind: "scalar",
          default: true
        }
      }
    }
  },
  batched: {
    status: "stable",
    config: {
      type: "object",
      kind: "scalar",
      children: {
        child: {
          type: "input",
          kind: "scalar"
        },
        policy: {
          type: "object",
          kind: "",
          children: {
            count: {
              type: "int",
              kind: "scalar",
              default: 0
            },
            byte_size: {
              type: "int",
              kind: "scalar",
              default: 0
            },
            period: {
              type: "string",
              kind: "scalar",
              default: ""
            },
            check: {
              type: "string",
              kind: "scalar",
              default: "",
              bloblang: true
            },
            processors: {
              type: "processor",
              kind: "array",
              optional: true
            }
          }
        }
      }
    }
  },
  http_server: {
    status: "stable",
    config: {
      type: "object",
      kind: "scalar",
      children: {
        address: {
          type: "string",
          kind: "scalar",
          default: ""
        },
        path: {
          type: "string",
          kind: "scalar",
          default: "/post"
        },
        allowed_verbs: {
          type: "string",
          kind: "array",
          default: [
            "POST"
          ]
        },
        timeout: {
          type: "string",
          kind: "scalar",
          default: "5s"
        },
        sync_response: {
          type: "object",
          kind: "scalar",
          children: {
            status: {
              type: "string",
              kind: "scalar",
              default: "200",
              interpolated: true
            },
            headers: {
              type: "string",
              kind: "map",
              default: {
                "Content-Type": "application/octet-stream"
              },
              interpolated: true
            }
          }
        }
      }
    }
  },
  generate: {
    status: "stable",
    config: {
      type: "object",
      kind: "scalar",
      children: {
        mapping: {
          type: "string",
          kind: "scalar",
          bloblang: true
        },
        interval: {
          type: "string",
          kind: "scalar",
          default: "1s"
        },
        count: {
          type: "int",
          kind: "scalar",
          default: 0
        },
        batch_size: {
          type: "int",
          kind: "scalar",
          default: 1
        },
        auto_replay_nacks: {
          type: "bool",
          kind: "scalar",
          default: true
        }
      }
    }
  }
};

export const PROCESSORS: Record<string, ComponentSpec> = {
  archive: {
    status: "stable",
    config: {
      type: "object",
      kind: "scalar",
      children: {
        format: {
          type: "string",
          kind: "scalar",
          options: [
            "binary",
            "concatenate",
            "json_array",
            "lines",
            "tar",
            "zip"
          ]
        },
        path: {
          type: "string",
          kind: "scalar",
          default: "",
          interpolated: true
        }
      }
    }
  },
  unarchive: {
    status: "stable",
    config: {
      type: "object",
      kind: "scalar",
      children: {
        format: {
          type: "string",
          kind: "scalar",
          options: [
            "binary",
            "csv",
            "csv:x",
            "json_array",
            "json_documents",
            "json_map",
            "lines",
            "tar",
            "zip"
          ]
        }
      }
    }
  },
  http: {
    status: "stable",
    config: {
      type: "object",
      kind: "scalar",
      children: {
        url: {
          type: "string",
          kind: "scalar",
          interpolated: true
        },
        verb: {
          type: "string",
          kind: "scalar",
          default: "POST"
        },
        headers: {
          type: "string",
          kind: "map",
          default: {},
          interpolated: true
        },
        timeout: {
          type: "string",
          kind: "scalar",
          default: "5s"
        },
        retry_period: {
          type: "string",
          kind: "scalar",
          default: "1s"
        },
        max_retry_backoff: {
          type: "string",
          kind: "scalar",
          default: "300s"
        },
        retries: {
          type: "int",
          kind: "scalar",
          default: 3
        },
        backoff_on: {
          type: "int",
          kind: "array",
          default: [
            429
          ]
        },
        drop_on: {
          type: "int",
          kind: "array",
          default: []
        },
        successful_on: {
          type: "int",
          kind: "array",
          default: []
        }
      }
    }
  },
  retry: {
    status: "beta",
    config: {
      type: "object",
      kind: "scalar",
      children: {
        backoff: {
          type: "object",
          kind: "scalar",
          children: {
            initial_interval: {
              type: "string",
              kind: "scalar",
              default: "500ms"
            },
            max_interval: {
              type: "string",
              kind: "scalar",
              default: "10s"
            },
            max_elapsed_time: {
              type: "string",
              kind: "scalar",
              default: "1m"
            }
          }
        },
        processors: {
          type: "processor",
          kind: "array"
        },
        max_retries: {
          type: "int",
          kind: "scalar",
          default: 0
        }
      }
    }
  },
  mapping: {
    status: "stable",
    config: {
      type: "string",
      kind: "scalar",
      bloblang: true
    }
  },
  switch: {
    status: "stable",
    config: {
      type: "object",
      kind: "array",
      children: {
        check: {
          type: "string",
          kind: "scalar",
          default: "",
          bloblang: true
        },
        processors: {
          type: "processor",
          kind: "array",
          default: []
        },
        fallthrough: {
          type: "bool",
          kind: "scalar",
          default: false
        }
      }
    }
  },
  branch: {
    status: "stable",
    config: {
      type: "object",
      kind: "scalar",
      children: {
        request_map: {
          type: "string",
          kind: "scalar",
          default: "",
          bloblang: true
        },
        processors: {
          type: "processor",
          kind: "array"
        },
        result_map: {
          type: "string",
          kind: "scalar",
          default: "",
          bloblang: true
        }
      }
    }
  },
  log: {
    status: "stable",
    config: {
      type: "object",
      kind: "scalar",
      children: {
        level: {
          type: "string",
          kind: "scalar",
          default: "INFO",
          options: [
            "ERROR",
            "WARN",
            "INFO",
            "DEBUG",
            "TRACE"
          ]
        },
        message: {
          type: "string",
          kind: "scalar",
          default: "",
          interpolated: true
        },
        fields_mapping: {
          type: "string",
          kind: "scalar",
          optional: true,
          bloblang: true
        }
      }
    }
  },
  catch: {
    status: "stable",
    config: {
      type: "processor",
      kind: "array",
      default: []
    }
  }
};

export const OUTPUTS: Record<string, ComponentSpec> = {
  redpanda: {
    status: "stable",
    config: {
      type: "object",
      kind: "scalar",
      children: {
        seed_brokers: {
          type: "string",
          kind: "array",
          optional: true
        },
        topic: {
          type: "string",
          kind: "scalar",
          interpolated: true
        },
        key: {
          type: "string",
          kind: "scalar",
          optional: true,
          interpolated: true
        },
        client_id: {
          type: "string",
          kind: "scalar",
          default: "redpanda-connect"
        },
        metadata: {
          type: "object",
          kind: "scalar",
          optional: true,
          children: {
            include_prefixes: {
              type: "string",
              kind: "array",
              default: []
            },
            include_patterns: {
              type: "string",
              kind: "array",
              default: []
            }
          }
        },
        max_in_flight: {
          type: "int",
          kind: "scalar",
          default: 256
        },
        allow_auto_topic_creation: {
          type: "bool",
          kind: "scalar",
          default: true
        },
        timeout: {
          type: "string",
          kind: "scalar",
          default: "10s"
        },
        batching: {
          type: "object",
          kind: "",
          children: {
            count: {
              type: "int",
              kind: "scalar",
              default: 0
            },
            byte_size: {
              type: "int",
              kind: "scalar",
              default: 0
            },
            period: {
              type: "string",
              kind: "scalar",
              default: ""
            },
            check: {
              type: "string",
              kind: "scalar",
              default: "",
              bloblang: true
            },
            processors: {
              type: "processor",
              kind: "array",
              optional: true
            }
          }
        }
      }
    }
  },
  switch: {
    status: "stable",
    config: {
      type: "object",
      kind: "scalar",
      children: {
        retry_until_success: {
          type: "bool",
          kind: "scalar",
          default: false
        },
        strict_mode: {
          type: "bool",
          kind: "scalar",
          default: false
        },
        cases: {
          type: "object",
          kind: "array",
          children: {
            check: {
              type: "string",
              kind: "scalar",
              default: "",
              bloblang: true
            },
            output: {
              type: "output",
              kind: "scalar"
            },
            continue: {
              type: "bool",
              kind: "scalar",
              default: false
            }
          }
        }
      }
    }
  },
  fallback: {
    status: "stable",
    config: {
      type: "output",
      kind: "array",
      default: []
    }
  },
  reject_errored: {
    status: "stable",
    config: {
      type: "output",
      kind: "scalar"
    }
  },
  broker: {
    status: "stable",
    config: {
      type: "object",
      kind: "scalar",
      children: {
        pattern: {
          type: "string",
          kind: "scalar",
          default: "fan_out",
          options: [
            "fan_out",
            "fan_out_fail_fast",
            "fan_out_sequential",
            "fan_out_sequential_fail_fast",
            "round_robin",
            "greedy"
          ]
        },
        outputs: {
          type: "output",
          kind: "array"
        },
        batching: {
          type: "object",
          kind: "",
          children: {
            count: {
              type: "int",
              kind: "scalar",
              default: 0
            },
            byte_size: {
              type: "int",
              kind: "scalar",
              default: 0
            },
            period: {
              type: "string",
              kind: "scalar",
              default: ""
            },
            check: {
              type: "string",
              kind: "scalar",
              default: "",
              bloblang: true
            },
            processors: {
              type: "processor",
              kind: "array",
              optional: true
            }
          }
        }
      }
    }
  },
  sql_insert: {
    status: "stable",
    config: {
      type: "object",
      kind: "scalar",
      children: {
        driver: {
          type: "string",
          kind: "scalar",
          options: [
            "mysql",
            "postgres",
            "pgx",
            "clickhouse",
            "mssql",
            "sqlite",
            "oracle",
            "snowflake",
            "trino",
            "gocosmos",
            "spanner",
            "databricks"
          ]
        },
        dsn: {
          type: "string",
          kind: "scalar"
        },
        table: {
          type: "string",
          kind: "scalar"
        },
        columns: {
          type: "string",
          kind: "array"
        },
        args_mapping: {
          type: "string",
          kind: "scalar",
          bloblang: true
        },
        prefix: {
          type: "string",
          kind: "scalar",
          optional: true
        },
        suffix: {
          type: "string",
          kind: "scalar",
          optional: true
        },
        max_in_flight: {
          type: "int",
          kind: "scalar",
          default: 64
        },
        init_statement: {
          type: "string",
          kind: "scalar",
          optional: true
        },
        batching: {
          type: "object",
          kind: "",
          children: {
            count: {
              type: "int",
              kind: "scalar",
              default: 0
            },
            byte_size: {
              type: "int",
              kind: "scalar",
              default: 0
            },
            period: {
              type: "string",
              kind: "scalar",
              default: ""
            },
            check: {
              type: "string",
              kind: "scalar",
              default: "",
              bloblang: true
            },
            processors: {
              type: "processor",
              kind: "array",
              optional: true
            }
          }
        }
      }
    }
  },
  drop: {
    status: "stable",
    config: {
      type: "object",
      kind: "scalar",
      default: {},
      children: {}
    }
  },
  stdout: {
    status: "stable",
    config: {
      type: "object",
      kind: "scalar",
      children: {
        codec: {
          type: "string",
          kind: "scalar",
          default: "lines",
          options: [
            "all-bytes",
            "append",
            "lines",
            "delim:x"
          ]
        }
      }
    }
  }
};

/** Top-level fields besides input/pipeline/output/resources/metrics, which the loader handles itself. */
export const TOP_LEVEL: Record<string, FieldSpec> = {
  http: {
    type: "object",
    kind: "scalar",
    children: {
      enabled: {
        type: "bool",
        kind: "scalar",
        default: true
      },
      address: {
        type: "string",
        kind: "scalar",
        default: "0.0.0.0:4195"
      },
      root_path: {
        type: "string",
        kind: "scalar",
        default: "/benthos"
      }
    }
  },
  logger: {
    type: "object",
    kind: "scalar",
    children: {
      level: {
        type: "string",
        kind: "scalar",
        default: "INFO",
        options: [
          "OFF",
          "FATAL",
          "ERROR",
          "WARN",
          "INFO",
          "DEBUG",
          "TRACE",
          "ALL",
          "NONE"
        ]
      },
      format: {
        type: "string",
        kind: "scalar",
        default: "logfmt",
        options: [
          "json",
          "logfmt"
        ]
      },
      add_timestamp: {
        type: "bool",
        kind: "scalar",
        default: true
      },
      static_fields: {
        type: "string",
        kind: "map",
        default: {
          "@service": "redpanda-connect"
        }
      }
    }
  },
  shutdown_timeout: {
    type: "string",
    kind: "scalar",
    default: "20s"
  },
  shutdown_delay: {
    type: "string",
    kind: "scalar",
    default: "0s"
  }
};

export const PIPELINE: FieldSpec = {
  type: "object",
  kind: "scalar",
  children: {
    threads: {
      type: "int",
      kind: "scalar",
      default: -1
    },
    processors: {
      type: "processor",
      kind: "array",
      default: []
    }
  }
};

export const COMPONENTS: Record<ComponentKind, Record<string, ComponentSpec>> = { input: INPUTS, processor: PROCESSORS, output: OUTPUTS };
