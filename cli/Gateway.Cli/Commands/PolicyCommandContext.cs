using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Policy;
using Gateway.Policy.Bundles;
using Gateway.Policy.Files;
using Gateway.Policy.Serialization;

namespace Gateway.Cli.Commands;

/// <summary>
/// What the offline policy commands share: loading a bundle (a directory or one tenant file), printing either text
/// or one JSON document (<c>--json</c>), and stable exit codes. Nothing here calls the gateway.
/// </summary>
internal sealed class PolicyCommandContext(GlobalOptions options, CliConsole console, ParseResult parse)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public bool Json => parse.GetValue(options.Json);

    public CliConsole Console => console;

    /// <summary>Writes a text line (not in <c>--json</c> mode).</summary>
    public void Line(string text)
    {
        if (!Json)
        {
            console.Out.WriteLine(text);
        }
    }

    /// <summary>Writes the JSON document (only in <c>--json</c> mode).</summary>
    public void Document(JsonNode document)
    {
        if (Json)
        {
            console.Out.WriteLine(document.ToJsonString(Indented));
        }
    }

    /// <summary>An input problem: printed to stderr (and as JSON with <c>--json</c>); returns exit 6.</summary>
    public int Invalid(string message)
    {
        Document(new JsonObject { ["ok"] = false, ["error"] = "invalid_input", ["message"] = message });
        console.Error.WriteLine("error: invalid_input: " + message);
        return ExitCodes.InvalidInput;
    }

    /// <summary>Loads a bundle directory, or a single tenant file, with every validation error.</summary>
    public static (PolicySet? Set, IReadOnlyList<BundleError> Errors) LoadBundle(string path)
    {
        if (File.Exists(path))
        {
            var result = PolicyBundleDirectory.LoadTenantFile(path);
            return result.Tenant is { } tenant ? (PolicySet.Create([tenant], source: Path.GetFullPath(path)), []) : (null, result.Errors);
        }

        var loaded = PolicyBundleDirectory.Load(path, TimeProvider.System);
        return (loaded.Set, loaded.Errors);
    }

    /// <summary>Loads a bundle or reports its errors (exit 6) and returns null.</summary>
    public PolicySet? LoadOrReport(string path, out int exitCode)
    {
        var (set, errors) = LoadBundle(path);
        exitCode = ExitCodes.Success;
        if (set is not null)
        {
            return set;
        }

        exitCode = ReportInvalid(errors);
        return null;
    }

    /// <summary>Reports a bundle's errors (stderr, and as JSON with <c>--json</c>); returns exit 6.</summary>
    public int ReportInvalid(IReadOnlyList<BundleError> errors)
    {
        Document(new JsonObject { ["ok"] = false, ["error"] = "invalid_bundle", ["errors"] = ErrorsJson(errors) });
        foreach (var error in errors)
        {
            console.Error.WriteLine(Format(error));
        }

        return ExitCodes.InvalidInput;
    }

    /// <summary>The one tenant of <paramref name="set"/>, or the one named; null with an error otherwise.</summary>
    public static TenantPolicy? Tenant(PolicySet set, string? slug, out string? error)
    {
        error = null;
        if (slug is not null)
        {
            if (set.TryGetTenant(slug, out var named))
            {
                return named;
            }

            error = $"tenant '{slug}' is not in the bundle (tenants: {string.Join(", ", set.Tenants.Keys)})";
            return null;
        }

        if (set.Tenants.Count == 1)
        {
            return set.Tenants.Values.First();
        }

        error = $"the bundle has {set.Tenants.Count} tenants; choose one with --tenant";
        return null;
    }

    public static string Format(BundleError error) => $"{error.File}:{error.Line}:{error.Column}: {error.Code}: {error.Message}";

    public static JsonArray ErrorsJson(IEnumerable<BundleError> errors)
        => [.. errors.Select(e => (JsonNode)new JsonObject { ["file"] = e.File, ["line"] = e.Line, ["column"] = e.Column, ["code"] = e.Code, ["message"] = e.Message })];

    /// <summary>A decision as the gateway's <c>/v1/evaluate</c> body (the wire contract).</summary>
    public static JsonNode DecisionJson(Decision decision)
        => JsonNode.Parse(JsonSerializer.Serialize(DecisionResponse.For(decision), PolicyJsonContext.Default.DecisionResponse))!;

    /// <summary>A request as a /v1/evaluate body (members the request leaves out are left out).</summary>
    public static JsonNode RequestJson(ActionRequest request)
    {
        var body = new JsonObject { ["tool"] = request.Tool };
        if (request.Args.ValueKind != JsonValueKind.Undefined)
        {
            body["args"] = JsonNode.Parse(request.Args.GetRawText());
        }

        if (request.Targets is { } targets)
        {
            body["targets"] = new JsonArray([.. targets.Select(t => (JsonNode)new JsonObject { ["kind"] = WireNames.Of(t.Kind), ["value"] = t.Value })]);
        }

        if (request.DataClasses is { } classes)
        {
            body["data_classes"] = new JsonArray([.. classes.Select(c => (JsonNode)WireNames.Of(c))]);
        }

        if (request.Provenance is { } provenance)
        {
            body["provenance"] = new JsonArray([.. provenance.Select(p => (JsonNode)new JsonObject { ["arg_path"] = p.ArgPath, ["source"] = WireNames.Of(p.Source) })]);
        }

        return body;
    }

    /// <summary>One line saying why: the strictest rule triggers and failing controls.</summary>
    public static string Why(Decision decision)
    {
        var reasons = decision.Explanation.RuleTriggers
            .Where(t => t.Effect != DecisionKind.Allow)
            .Select(t => t.Rule.StartsWith("control:", StringComparison.Ordinal) ? t.ReasonCode : $"{t.ReasonCode} (rule {t.Rule})")
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return reasons.Count == 0 ? "every control passes" : string.Join(", ", reasons);
    }
}
