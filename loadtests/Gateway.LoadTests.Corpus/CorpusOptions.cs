using System.Globalization;

namespace Gateway.LoadTests.Corpus;

/// <summary>The command line of the corpus tool (see <see cref="CorpusCommand"/>).</summary>
internal sealed class CorpusOptions
{
    public string Output { get; private set; } = string.Empty;

    public int Count { get; private set; } = 100_000;

    public int Shards { get; private set; } = 1;

    public string Host { get; private set; } = "127.0.0.1";

    public string Method { get; private set; } = "GET";

    public string Target { get; private set; } = "/";

    public string? Body { get; private set; }

    public string ContentType { get; private set; } = "application/json";

    public string Tenant { get; private set; } = "demo";

    /// <summary>The tenants requests are signed for, in turn (request i for tenant i mod n); <c>--tenants a,b,c</c>, else <see cref="Tenant"/>.</summary>
    public IReadOnlyList<string> Tenants { get; private set; } = [];

    public string Workspace { get; private set; } = "ws-demo";

    public string Agent { get; private set; } = "demo-agent";

    public string? Secret { get; private set; }

    public bool Unsigned { get; private set; }

    public static CorpusOptions Parse(IReadOnlyList<string> args)
    {
        var options = new CorpusOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            switch (name)
            {
                case "--out": options.Output = Value(); break;
                case "--count": options.Count = PositiveInt(name, Value()); break;
                case "--shards": options.Shards = PositiveInt(name, Value()); break;
                case "--host": options.Host = Value(); break;
                case "--method": options.Method = Value().ToUpperInvariant(); break;
                case "--target": options.Target = Value(); break;
                case "--body": options.Body = Value(); break;
                case "--body-file": options.Body = File.ReadAllText(Value()); break;
                case "--content-type": options.ContentType = Value(); break;
                case "--tenant": options.Tenant = Value(); break;
                case "--tenants": options.Tenants = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries); break;
                case "--workspace": options.Workspace = Value(); break;
                case "--agent": options.Agent = Value(); break;
                case "--secret-file": options.Secret = File.ReadAllText(Value()).Trim(); break;
                case "--secret-env":
                    var variable = Value();
                    options.Secret = Environment.GetEnvironmentVariable(variable) is { Length: > 0 } secret
                        ? secret
                        : throw new ArgumentException($"environment variable {variable} is not set.");
                    break;
                case "--unsigned": options.Unsigned = true; break;
                default: throw new ArgumentException($"unknown option {name}.");
            }
        }

        if (options.Output.Length == 0)
        {
            throw new ArgumentException("--out is required.");
        }

        if (!options.Target.StartsWith('/'))
        {
            throw new ArgumentException("--target must be an origin-form request target starting with '/'.");
        }

        if (!options.Unsigned && options.Secret is null)
        {
            throw new ArgumentException("give --secret-file or --secret-env (or --unsigned for a baseline corpus).");
        }

        if (options.Tenants.Count == 0)
        {
            options.Tenants = [options.Tenant];
        }

        if (options.Shards > options.Count)
        {
            throw new ArgumentException("--shards must not exceed --count.");
        }

        return options;
    }

    private static int PositiveInt(string name, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{name} must be a positive integer.");
}
