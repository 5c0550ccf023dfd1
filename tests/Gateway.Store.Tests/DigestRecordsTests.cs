namespace Gateway.Store.Tests;

/// <summary>The embedded store's nonces and decision-token records held by digest: which values, and their expiry.</summary>
public sealed class DigestRecordsTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("7")]
    [InlineData("1795960813")]
    [InlineData("999999999999999999")]
    [InlineData(TokenRecording.Issued)]
    [InlineData(TokenRecording.Used)]
    public void TryEncode_AValueThatReadsBackExactly_IsHeldAsANumber(string text)
    {
        Assert.True(DigestRecords.TryEncode(text, out var value));
        Assert.Equal(text, DigestRecords.Decode(value));
    }

    [Theory]
    [InlineData("")]
    [InlineData("007")]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData(" 1")]
    [InlineData("1e3")]
    [InlineData("1,000")]
    [InlineData("ts-fresh")]
    [InlineData("9223372036854775807")]
    [InlineData("١٢٣")]
    public void TryEncode_AnythingElse_StaysAnEntry(string text) => Assert.False(DigestRecords.TryEncode(text, out _));

    [Fact]
    public void Sweep_PastAnExpiry_RemovesThatRecordOnlyAndARewrittenOneKeepsItsNewExpiry()
    {
        var now = DateTimeOffset.UnixEpoch.AddDays(20_000);
        var records = new DigestRecords();
        UInt128 early = DigestRecords.Of("nonce:early"), late = DigestRecords.Of("nonce:late"), moved = DigestRecords.Of("token:moved");
        records.Put(early, 1, now.AddSeconds(10));
        records.Put(late, 2, now.AddSeconds(30));
        records.Put(moved, 3, now.AddSeconds(10));
        records.Put(moved, 4, now.AddSeconds(60));

        records.Sweep(now.AddSeconds(20));
        Assert.Equal(2, records.Count);

        Assert.False(records.TryGetLive(early, now.AddSeconds(20), out _, out _));
        Assert.True(records.TryGetLive(late, now.AddSeconds(20), out var value, out var expiresAt));
        Assert.Equal((2, now.AddSeconds(30)), (value, expiresAt));
        Assert.True(records.TryGetLive(moved, now.AddSeconds(20), out value, out _));
        Assert.Equal(4, value);
        Assert.False(records.TryGetLive(late, now.AddSeconds(30), out _, out _));

        records.Sweep(now.AddSeconds(60));
        Assert.Equal(0, records.Count);
    }

    [Fact]
    public void Operations_ManyAgainstADictionary_ReadTheSameRecordsWithAndAfterSweeps()
    {
        var now = DateTimeOffset.UnixEpoch.AddDays(20_000);
        var random = new Random(71);
        var records = new DigestRecords();
        var model = new Dictionary<UInt128, (long Value, DateTimeOffset ExpiresAt)>();
        var keys = Enumerable.Range(0, 40_000).Select(i => DigestRecords.Of($"nonce:{i}")).ToArray();
        for (var step = 0; step < 200_000; step++)
        {
            var key = keys[random.Next(keys.Length)];
            switch (random.Next(10))
            {
                case < 7:
                    var expiresAt = now.AddMilliseconds(random.Next(1, 5_000));
                    records.Put(key, step, expiresAt);
                    model[key] = (step, expiresAt);
                    break;
                case < 9:
                    Assert.Equal(model.Remove(key), records.Remove(key));
                    break;
                default:
                    // Swept a tenth of a second at a time: at a whole tenth, every record expired by then is gone.
                    now = now.AddMilliseconds(100 * random.Next(0, 3));
                    records.Sweep(now);
                    foreach (var expired in model.Where(pair => pair.Value.ExpiresAt <= now).Select(pair => pair.Key).ToList())
                    {
                        model.Remove(expired);
                    }

                    Assert.Equal(model.Count, records.Count);
                    break;
            }
        }

        foreach (var key in keys)
        {
            Assert.Equal(model.TryGetValue(key, out var held) && held.ExpiresAt > now, records.TryGetLive(key, now, out var value, out var expiresAt));
            Assert.Equal(held.ExpiresAt > now ? held : default, held.ExpiresAt > now ? (value, expiresAt) : default);
        }

        var copied = CopyAll(records, now).ToDictionary(record => record.Digest, record => (record.Value, new DateTimeOffset(record.ExpiresTicks, TimeSpan.Zero)));
        Assert.Equal(model.Where(pair => pair.Value.ExpiresAt > now).OrderBy(pair => pair.Key), copied.OrderBy(pair => pair.Key));
    }

    [Fact]
    public void Sweep_AfterABurstHasExpired_GivesTheTableRoomBack()
    {
        var now = DateTimeOffset.UnixEpoch.AddDays(20_000);
        var records = new DigestRecords();
        for (var i = 0; i < 100_000; i++)
        {
            records.Put(DigestRecords.Of($"nonce:burst:{i}"), i, now.AddSeconds(1));
        }

        var kept = DigestRecords.Of("nonce:kept");
        records.Put(kept, 7, now.AddSeconds(60));
        Assert.Equal(100_001, records.Positions);

        records.Sweep(now.AddSeconds(2));

        Assert.Equal(1, records.Count);
        Assert.Equal(1, records.Positions);
        Assert.True(records.TryGetLive(kept, now.AddSeconds(2), out var value, out _));
        Assert.Equal(7, value);
        records.Sweep(now.AddSeconds(60));
        Assert.Equal(0, records.Count);
    }

    [Fact]
    public void CopyLive_ABurstSweptBetweenItsSteps_CopiesEveryRecordLiveThroughoutOnceThenPacks()
    {
        var now = DateTimeOffset.UnixEpoch.AddDays(20_000);
        var records = new DigestRecords();
        for (var i = 0; i < 3 * DigestRecords.ChunkLength; i++)
        {
            records.Put(DigestRecords.Of($"nonce:burst:{i}"), i, now.AddSeconds(1));
        }

        // Live throughout, at the end of the table: a packing mid-copy would move them into the chunks already copied.
        var kept = Enumerable.Range(0, 100).Select(i => DigestRecords.Of($"nonce:kept:{i}")).ToArray();
        foreach (var key in kept)
        {
            records.Put(key, 7, now.AddSeconds(60));
        }

        // Swept after the copy: its sweep is the one that packs.
        records.Put(DigestRecords.Of("nonce:late"), 1, now.AddSeconds(2.5));
        records.BeginCopy();
        var copied = new List<DigestRecords.Record>();
        var buffer = new DigestRecords.Record[DigestRecords.ChunkLength];
        var position = 0;
        copied.AddRange(buffer.Take(records.CopyLive(ref position, buffer, now)));
        records.Sweep(now.AddSeconds(2));
        while (position >= 0)
        {
            copied.AddRange(buffer.Take(records.CopyLive(ref position, buffer, now.AddSeconds(2))));
        }

        records.EndCopy();
        Assert.Equal(kept.Order(), copied.Select(record => record.Digest).Where(kept.Contains).Order());
        Assert.Equal(3 * DigestRecords.ChunkLength + 101, records.Positions);

        records.Sweep(now.AddSeconds(3));
        Assert.Equal(100, records.Positions);
        Assert.All(kept, key => Assert.True(records.TryGetLive(key, now.AddSeconds(3), out _, out _)));
    }

    [Fact]
    public void Put_AfterRemovals_ReusesTheFreedPositions()
    {
        var now = DateTimeOffset.UnixEpoch.AddDays(20_000);
        var records = new DigestRecords();
        var keys = Enumerable.Range(0, 1_000).Select(i => DigestRecords.Of($"token:{i}")).ToArray();
        foreach (var key in keys)
        {
            records.Put(key, 1, now.AddSeconds(30));
        }

        foreach (var key in keys.Take(500))
        {
            Assert.True(records.Remove(key));
        }

        foreach (var key in keys.Take(500))
        {
            records.Put(key, 2, now.AddSeconds(30));
        }

        Assert.Equal(1_000, records.Positions);
        Assert.All(keys, key => Assert.True(records.TryGetLive(key, now, out _, out _)));
    }

    // The records live at the moment, as a rewrite of the journal copies them: a chunk at a time.
    private static List<DigestRecords.Record> CopyAll(DigestRecords records, DateTimeOffset now)
    {
        var copied = new List<DigestRecords.Record>();
        var buffer = new DigestRecords.Record[DigestRecords.ChunkLength];
        records.BeginCopy();
        for (var position = 0; position >= 0;)
        {
            copied.AddRange(buffer.Take(records.CopyLive(ref position, buffer, now)));
        }

        records.EndCopy();
        return copied;
    }

    [Fact]
    public void Put_NoncesAnAgentChoseToShareTheirDigestsLowBits_DoNotShareOneProbe()
    {
        // What an agent can do offline: keep the nonces whose public digests agree in their low 12 bits (every slot of a
        // table up to 4,096 slots, were the slot those bits).
        var chosen = new List<UInt128>();
        var wanted = (ulong)DigestRecords.Of("gw:{t}:nonce:a:0") & 0xFFF;
        for (var i = 0; chosen.Count < 200; i++)
        {
            var digest = DigestRecords.Of("gw:{t}:nonce:a:" + i);
            if (((ulong)digest & 0xFFF) == wanted)
            {
                chosen.Add(digest);
            }
        }

        var records = new DigestRecords();
        var expiry = DateTimeOffset.UnixEpoch.AddDays(20_000);
        foreach (var digest in chosen)
        {
            records.Put(digest, 1, expiry);
        }

        // One shared slot would make the last of them probe past the other 199.
        Assert.True(chosen.Max(records.Probes) < 40, $"longest probe {chosen.Max(records.Probes)}");
        Assert.All(chosen, digest => Assert.True(records.TryGetLive(digest, expiry.AddSeconds(-1), out _, out _)));
    }
}
