using System.Reflection;
using System.Text;

namespace Gateway.Store.Tests;

/// <summary>
/// Every key of a tenant carries the tenant as its Redis Cluster hash tag, so every key one script (or one multi-key
/// call) touches lies in one hash slot: checked for every <see cref="StoreKeys"/> builder that takes a tenant, with the
/// slot computed as Redis Cluster does (CRC16 of the tag, modulo 16384).
/// </summary>
public sealed class StoreKeysHashSlotTests
{
    public static TheoryData<string> Tenants => ["demo", "acme-corp", "t1", "a", "tenant-with-a-long-name-0123456789"];

    [Theory]
    [MemberData(nameof(Tenants))]
    public void EveryTenantKey_OfOneTenant_LiesInTheTenantsSlot(string tenant)
    {
        var builders = typeof(StoreKeys).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(static m => m.ReturnType == typeof(string) && m.GetParameters() is [{ Name: "tenant" }, ..])
            .ToList();
        var expected = Slot("{" + tenant + "}");

        foreach (var builder in builders)
        {
            var key = (string)builder.Invoke(null, [.. builder.GetParameters().Select(p => p.Name == "tenant" ? tenant : Sample(p.ParameterType, p.Name!))])!;
            Assert.True(Slot(key) == expected, $"{builder.Name} gives {key}, slot {Slot(key)}, not the tenant's {expected}");
        }

        Assert.True(builders.Count >= 20, $"only {builders.Count} tenant key builders found");
    }

    [Fact]
    public void AdminTokenKeys_CarryNoTenant_EachUsedAlone()
    {
        // Admin tokens are global: each key is read or written by a single-key command, never in a script or with another key.
        Assert.DoesNotContain('{', StoreKeys.AdminToken("hash"));
    }

    [Theory]
    [InlineData("123456789", 12739)]
    [InlineData("foo", 12182)]
    [InlineData("somekey", 11058)]
    [InlineData("{user1000}.following", 3443)]
    [InlineData("foo{}{bar}", 8363)]
    public void Slot_KnownKeys_AsRedisClusterComputesThem(string key, int slot)
    {
        Assert.Equal(slot, Slot(key));
    }

    // Redis Cluster: the key's hash tag (text between the first '{' and the next '}', when not empty) else the whole
    // key, CRC16-CCITT (XMODEM), modulo 16384.
    private static int Slot(string key)
    {
        var open = key.IndexOf('{', StringComparison.Ordinal);
        var close = open < 0 ? -1 : key.IndexOf('}', open + 1);
        var hashed = close > open + 1 ? key[(open + 1)..close] : key;
        ushort crc = 0;
        foreach (var b in Encoding.UTF8.GetBytes(hashed))
        {
            crc ^= (ushort)(b << 8);
            for (var i = 0; i < 8; i++)
            {
                crc = (crc & 0x8000) != 0 ? (ushort)((crc << 1) ^ 0x1021) : (ushort)(crc << 1);
            }
        }

        return crc % 16384;
    }

    private static object Sample(Type type, string name) => type == typeof(int) || type == typeof(long)
        ? Convert.ChangeType(7, type, System.Globalization.CultureInfo.InvariantCulture)
        : $"{name}-{{x}}";
}
