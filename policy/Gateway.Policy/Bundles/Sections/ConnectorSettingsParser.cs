using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Bundles;

/// <summary>Reads a catalog entry's <c>health_check</c>, <c>limits</c>, <c>http</c> binding and <c>writeback</c>.</summary>
internal sealed class ConnectorSettingsParser(YamlNodeReader reader)
{
    public ConnectorHealthCheck? ParseHealthCheck(YamlNode node)
    {
        var f = reader.Mapping(node, "health_check", "path", "interval", "timeout");
        if (f is null || f.RequiredString("path") is not { } path)
        {
            return null;
        }

        if (!path.StartsWith('/') || path.Contains("..", StringComparison.Ordinal) || path.Contains('?', StringComparison.Ordinal))
        {
            reader.Error(f["path"]!, BundleErrorCodes.InvalidValue, "health_check.path must be an absolute path without '..' or a query (its value is not shown: it may hold a secret)");
            return null;
        }

        var check = new ConnectorHealthCheck { Path = path };
        if (f["interval"] is { } i && reader.Duration(i, "health_check.interval") is { } interval)
        {
            check = check with { Interval = interval };
        }

        if (f["timeout"] is { } t && reader.Duration(t, "health_check.timeout") is { } timeout)
        {
            check = check with { Timeout = timeout };
        }

        if (check.Timeout > check.Interval)
        {
            reader.Error(node, BundleErrorCodes.InvalidValue, "health_check.timeout must not exceed health_check.interval");
        }

        return check;
    }

    public ConnectorLimits ParseLimits(YamlNode node)
    {
        var f = reader.Mapping(node, "limits", "max_request_bytes", "max_response_bytes", "timeout");
        if (f is null)
        {
            return ConnectorLimits.None;
        }

        return new ConnectorLimits
        {
            MaxRequestBytes = f["max_request_bytes"] is { } a ? reader.Integer(a, "limits.max_request_bytes", 1) : null,
            MaxResponseBytes = f["max_response_bytes"] is { } b ? reader.Integer(b, "limits.max_response_bytes", 1) : null,
            Timeout = f["timeout"] is { } t ? reader.Duration(t, "limits.timeout") : null,
        };
    }

    /// <summary><c>writeback: {max_bytes}</c>; an empty mapping (<c>writeback: {}</c>) turns writeback on with the default limit.</summary>
    public WritebackSettings? ParseWriteback(YamlNode node)
    {
        var f = reader.Mapping(node, "writeback", "max_bytes");
        return f is null ? null : new WritebackSettings
        {
            MaxBytes = f["max_bytes"] is { } m ? reader.Integer(m, "writeback.max_bytes", 1) : null,
        };
    }

    /// <summary>
    /// An entry's <c>audit</c>: <c>outcome: before_response</c> when its outcome must be durable before the agent is
    /// answered (mandatory detailed audit); <c>after_response</c> (the default) appends it right after.
    /// </summary>
    public bool ParseOutcomeBeforeResponse(YamlNode node)
    {
        var f = reader.Mapping(node, "audit", "outcome");
        if (f?["outcome"] is not { } outcome)
        {
            return false;
        }

        switch (reader.String(outcome, "audit.outcome"))
        {
            case "before_response":
                return true;
            case "after_response" or null:
                return false;
            case var other:
                reader.Error(outcome, BundleErrorCodes.InvalidValue, $"audit.outcome '{other}' must be after_response or before_response");
                return false;
        }
    }

    public HttpBinding? ParseHttp(YamlNode node)
    {
        var f = reader.Mapping(node, "http", "method", "path", "args");
        if (f is null)
        {
            return null;
        }

        var method = f.OptionalString("method") ?? "POST";
        if (method is not ("GET" or "POST" or "PUT" or "PATCH" or "DELETE"))
        {
            reader.Error(f["method"]!, BundleErrorCodes.InvalidValue, $"http.method '{method}' must be GET, POST, PUT, PATCH or DELETE");
        }

        var path = f.OptionalString("path") ?? string.Empty;
        if (path.Length > 0 && path[0] != '/')
        {
            reader.Error(f["path"]!, BundleErrorCodes.InvalidValue, "http.path must start with '/' (its value is not shown: it may hold a secret)");
        }

        return new HttpBinding
        {
            Method = method,
            Path = path,
            Args = f["args"] is { } a ? reader.Enum<ArgumentLocation>(a, "http.args") ?? ArgumentLocation.Body : ArgumentLocation.Body,
        };
    }
}
