namespace Gateway.Store;

/// <summary>How the Redis (or Valkey) deployment behind <see cref="RedisStoreOptions"/> is laid out.</summary>
public enum RedisTopology
{
    /// <summary>One server (<see cref="RedisStoreOptions.Endpoint"/>), with or without replicas of its own.</summary>
    Standalone,

    /// <summary>
    /// Redis Cluster: <see cref="RedisStoreOptions.Endpoints"/> is a seed list, the rest of the cluster is discovered
    /// and every call goes to the primary that owns its keys' hash slot (one slot per call: <see cref="StoreKeys"/>).
    /// </summary>
    Cluster,

    /// <summary>
    /// Redis Sentinel: <see cref="RedisStoreOptions.Endpoints"/> are sentinels, asked for the primary of
    /// <see cref="RedisStoreOptions.ServiceName"/>; after a failover the promoted primary is followed.
    /// </summary>
    Sentinel,
}
