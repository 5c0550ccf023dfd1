using System.Text;

namespace Gateway.Store.Tests;

// Nonces and decision-token records held by the digest of their key (DigestRecords): journalled without the key, replayed
// and rewritten as such, and read, overwritten and deleted by any caller as the key they stand for.
public sealed partial class DurableInMemoryStateStoreTests
{
    private const string Timestamp = "1795960813";

    [Fact]
    public async Task Admit_ANonceWithATimestamp_IsJournalledByDigestAndStaysReplayedAfterCompactionAndReopen()
    {
        var request = Admission("digest-held") with { NonceValue = Timestamp };
        using (var store = Open())
        {
            Assert.True((await store.AdmitAsync(request)).NonceFresh);
            Assert.Equal(Timestamp, await store.GetAsync(request.NonceKey));
            Assert.False(await store.TrySetIfAbsentAsync(request.NonceKey, "other", TimeSpan.FromMinutes(10)));
            Assert.DoesNotContain(request.NonceKey, await JournalTextAsync(store));

            Assert.True(await store.CompactBesideAsync());
            Assert.DoesNotContain(request.NonceKey, await JournalTextAsync(store));
        }

        using var reopened = Open();
        Assert.False((await reopened.AdmitAsync(request)).NonceFresh);
        Assert.Equal([Timestamp], await reopened.GetManyAsync([request.NonceKey]));

        // Swept a tenth of a second at a time: a second after it expired, it is gone.
        _time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        Assert.True((await reopened.AdmitAsync(Admission("later") with { NonceValue = Timestamp })).NonceFresh);
        Assert.Null(await reopened.GetAsync(request.NonceKey));
        Assert.Equal(1, reopened.KeyCount);
        Assert.True((await reopened.AdmitAsync(request)).NonceFresh);
    }

    [Fact]
    public async Task Admit_ConcurrentWithRewrites_EveryAcknowledgedNonceAndDeletionSurvivesReopen()
    {
        // More than one chunk of records, rewritten over and over while nonces are admitted and some deleted.
        var nonces = Enumerable.Range(0, 20_000).Select(static i => Admission("rewritten-" + i) with { NonceValue = Timestamp }).ToArray();
        var deleted = nonces.Where(static (_, i) => i % 10 == 0).Select(static request => request.NonceKey).ToHashSet();
        var rewrites = 0;
        using (var store = Open())
        {
            var admitting = Task.WhenAll(Enumerable.Range(0, 16).Select(worker => Task.Run(async () =>
            {
                for (var i = worker; i < nonces.Length; i += 16)
                {
                    Assert.True((await store.AdmitAsync(nonces[i])).NonceFresh);
                    if (deleted.Contains(nonces[i].NonceKey))
                    {
                        await store.DeleteAsync(nonces[i].NonceKey);
                    }
                }
            })));
            while (!admitting.IsCompleted)
            {
                rewrites += await store.CompactBesideAsync() ? 1 : 0;
            }

            await admitting;
        }

        Assert.True(rewrites > 1, $"{rewrites} rewrites");
        using var reopened = Open();
        foreach (var request in nonces)
        {
            Assert.Equal(deleted.Contains(request.NonceKey), (await reopened.AdmitAsync(request)).NonceFresh);
        }
    }

    [Fact]
    public async Task SetAndDelete_AKeyHeldByDigest_ReadAsTheKeyBeforeAndAfterReopen()
    {
        AdmissionRequest overwritten = Admission("overwritten") with { NonceValue = Timestamp }, deleted = Admission("deleted") with { NonceValue = Timestamp };
        using (var store = Open())
        {
            Assert.True((await store.AdmitAsync(overwritten)).NonceFresh);
            Assert.True((await store.AdmitAsync(deleted)).NonceFresh);

            await store.SetAsync(overwritten.NonceKey, "set", expiry: null);
            Assert.True(await store.DeleteAsync(deleted.NonceKey));
            Assert.False(await store.DeleteAsync(deleted.NonceKey));
            Assert.Equal(["set", null], await store.GetManyAsync([overwritten.NonceKey, deleted.NonceKey]));
        }

        using (var reopened = Open())
        {
            Assert.Equal(["set", null], await reopened.GetManyAsync([overwritten.NonceKey, deleted.NonceKey]));
            Assert.True(await reopened.CompactBesideAsync());
        }

        using var compacted = Open();
        Assert.Equal(["set", null], await compacted.GetManyAsync([overwritten.NonceKey, deleted.NonceKey]));
        Assert.True((await compacted.AdmitAsync(deleted)).NonceFresh);
        Assert.False((await compacted.AdmitAsync(overwritten)).NonceFresh);
    }

    [Fact]
    public async Task Admit_ATokenRecordUsedUp_StaysUsedAfterCompactionAndReopen()
    {
        using (var store = Open())
        {
            await store.AdmitAsync(Admission("issue") with { Token = new TokenRecording("token:a", TimeSpan.FromMinutes(5), ["gen:t", "gen:a"]) });
            var used = await store.AdmitAsync(Admission("use") with
            {
                Token = new TokenRecording("token:b", TimeSpan.FromMinutes(5), ["gen:t", "gen:a"]) { ConsumeKey = "token:a" },
            });
            Assert.Equal(TokenConsumption.Consumed, used.Token!.Consumption);
            Assert.True(await store.CompactBesideAsync());
        }

        using var reopened = Open();
        Assert.Equal([TokenRecording.Used, TokenRecording.Issued], await reopened.GetManyAsync(["token:a", "token:b"]));
        var again = await reopened.AdmitAsync(Admission("again") with
        {
            Token = new TokenRecording("token:c", TimeSpan.FromMinutes(5), ["gen:t", "gen:a"]) { ConsumeKey = "token:a" },
        });
        Assert.Equal(TokenConsumption.AlreadyUsed, again.Token!.Consumption);
    }

    private static async Task<string> JournalTextAsync(InMemoryStateStore store)
    {
        await using var file = new FileStream(store.JournalPath!, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var bytes = new byte[file.Length];
        await file.ReadExactlyAsync(bytes);
        return Encoding.UTF8.GetString(bytes);
    }
}
