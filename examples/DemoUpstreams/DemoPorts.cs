using System.Globalization;

namespace Gateway.Examples.DemoUpstreams;

/// <summary>
/// The loopback ports of the demo's stand-in upstreams, one <c>DEMO_*_PORT</c> environment value each
/// (defaults below, the ports examples/bundle/demo.yaml names). examples/run-demo.sh sets them and
/// renders the bundle to match.
/// </summary>
internal static class DemoPorts
{
    public static int OpenAI { get; } = Read("DEMO_OPENAI_PORT", 9100);

    public static int Crm { get; } = Read("DEMO_CRM_PORT", 9110);

    public static int Tickets { get; } = Read("DEMO_TICKETS_PORT", 9120);

    public static int Payments { get; } = Read("DEMO_PAYMENTS_PORT", 9130);

    public static int Mail { get; } = Read("DEMO_MAIL_PORT", 9140);

    public static int BuildHost { get; } = Read("DEMO_BUILDHOST_PORT", 9150);

    public static int Docs { get; } = Read("DEMO_DOCS_PORT", 9200);

    public static int Context { get; } = Read("DEMO_CONTEXT_PORT", 9300);

    /// <summary>Every port with the variable that sets it, for listening and for error messages.</summary>
    public static IReadOnlyList<(string Variable, int Port)> All { get; } =
    [
        ("DEMO_OPENAI_PORT", OpenAI), ("DEMO_CRM_PORT", Crm), ("DEMO_TICKETS_PORT", Tickets), ("DEMO_PAYMENTS_PORT", Payments),
        ("DEMO_MAIL_PORT", Mail), ("DEMO_BUILDHOST_PORT", BuildHost), ("DEMO_DOCS_PORT", Docs), ("DEMO_CONTEXT_PORT", Context),
    ];

    private static int Read(string variable, int fallback)
    {
        var text = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? port
            : throw new InvalidOperationException($"{variable}='{text}' is not a TCP port (1-65535).");
    }
}
