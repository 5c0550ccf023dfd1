using System.Text;
using Gateway.Oversight.Options;

namespace Gateway.Oversight.Tests.Infrastructure;

internal static class TestKeys
{
    public static readonly byte[] DecisionKey = Encoding.UTF8.GetBytes("decision-signing-key-for-tests-0123456789");

    public static readonly byte[] ServiceKey = Encoding.UTF8.GetBytes("gateway-service-key-for-tests-abcdefghijkl");

    /// <summary>The data-encryption key the warrant key is derived from (only the gateway holds it).</summary>
    public static readonly byte[] DataKey = Encoding.UTF8.GetBytes("data-encryption-key-for-tests-mnopqrstuvwx");

    public static OversightKeys Keys { get; } = new(DecisionKey, ServiceKey, DataKey);
}
