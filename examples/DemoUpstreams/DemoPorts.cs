namespace Gateway.Examples.DemoUpstreams;

/// <summary>The loopback ports the example bundle's catalog points at.</summary>
internal static class DemoPorts
{
    public const int OpenAI = 9100;
    public const int Crm = 9110;
    public const int Tickets = 9120;
    public const int Payments = 9130;
    public const int Mail = 9140;
    public const int BuildHost = 9150;
    public const int Docs = 9200;
    public const int Context = 9300;

    public static IReadOnlyList<int> All { get; } = [OpenAI, Crm, Tickets, Payments, Mail, BuildHost, Docs, Context];
}
