namespace Gateway.Store;

/// <summary>What one <see cref="StateJournal"/> record does to the embedded store's state.</summary>
public enum StateJournalOperation : byte
{
    /// <summary>The key holds a text value (a nonce, a kill switch, a warrant, a record) until it expires.</summary>
    PutText = 1,

    /// <summary>The key is gone (deleted, or taken once).</summary>
    Delete = 2,

    /// <summary>The key holds a counter's value (a rate-limit window, a budget) until it expires.</summary>
    PutCounter = 3,

    /// <summary>The key's set gains a member (created with the expiry when absent).</summary>
    AddMember = 4,

    /// <summary>The key's log gains entries, in order.</summary>
    AppendLog = 5,

    /// <summary>The key's hash gains a field (kept when present: fields are only ever set where absent).</summary>
    PutField = 6,

    /// <summary>Records written as one (<see cref="StateJournal.BeginGroup"/>): replayed whole, or, torn, not at all.</summary>
    Group = 7,

    /// <summary>The key's log has its first entries in a file of its own (<see cref="LogSeal"/>): those entries leave the journal.</summary>
    SealLog = 8,

    /// <summary>
    /// A <see cref="SealLog"/> that also retires the log's entries before <see cref="LogSeal.Start"/>, leaving
    /// <see cref="LogSeal.Note"/> (<see cref="ILogRetirement"/>): its file now starts at that entry.
    /// </summary>
    RetireLog = 9,

    /// <summary>
    /// A nonce or decision-token record held by the digest of its key (<see cref="DigestRecords"/>): the key is empty,
    /// the value a number, the digest follows it.
    /// </summary>
    PutDigest = 10,

    /// <summary>
    /// The key's set, live, gains a member and now expires at the record's expiry (a later one, or none), keeping its
    /// members: an <see cref="AddMember"/> whose expiry extends the set's rather than starting a new set.
    /// </summary>
    AddMemberExtending = 11,

    /// <summary>
    /// The key's set, live, loses a member (the record's text), keeping its expiry; a set left empty is gone. A release
    /// before this record kind refuses a journal that holds one (an unknown operation).
    /// </summary>
    RemoveMember = 12,
}
