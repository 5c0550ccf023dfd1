using System.Text;

namespace Gateway.Store.Tests;

// Compaction beside the store (InMemoryStateStore.CompactBesideAsync): changes made while the journal is rewritten are kept,
// once each.
public sealed partial class DurableInMemoryStateStoreTests
{
    [Fact]
    public async Task CompactBeside_ChangesMadeWhileItRewrites_AreKeptOnceAfterReopen()
    {
        using (var store = Open())
        {
            var writers = Enumerable.Range(0, 3).Select(writer => Task.Run(async () =>
            {
                for (var i = 0; i < 300; i++)
                {
                    Assert.True(await store.TryAppendAsync($"log:{writer}", i, [Encoding.UTF8.GetBytes($"{writer}-{i}")]));
                    await store.SetAsync($"key:{writer}", i.ToString(System.Globalization.CultureInfo.InvariantCulture), expiry: null);
                }
            })).ToList();
            var compactions = 0;
            while (!writers.All(static writer => writer.IsCompleted))
            {
                Assert.True(await store.CompactBesideAsync());
                compactions++;
            }

            await Task.WhenAll(writers);
            Assert.True(compactions > 1);
        }

        using var reopened = Open();
        for (var writer = 0; writer < 3; writer++)
        {
            Assert.Equal(Enumerable.Range(0, 300).Select(i => $"{writer}-{i}"), await reopened.ReadLogAsync($"log:{writer}", 0, 1000));
            Assert.Equal("299", await reopened.GetAsync($"key:{writer}"));
        }
    }
}
