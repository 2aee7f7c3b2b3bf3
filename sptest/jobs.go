package sptest

import (
	"fmt"
	"sync"
	"time"
)

// Jobs says how the fake plays the SP-API's asynchronous jobs: reports
// (createReport, getReport, getReports, cancelReport, getReportDocument),
// feeds (createFeedDocument, createFeed, getFeed, getFeeds, cancelFeed,
// getFeedDocument) and Data Kiosk queries (createQuery, getQuery,
// getQueries, cancelQuery, getDocument). The zero value is ready to use.
//
// A job is IN_QUEUE when created, IN_PROGRESS once polled, and reaches its
// end (DONE unless ScriptReport, ScriptFeed or ScriptQuery says FATAL or
// CANCELLED) on its PollsToDone-th get (getReport, getFeed, getQuery), or
// After its creation when After is set. Its documents live on the server's
// own document host (DocumentHostURL), behind presigned-looking URLs.
// getReports, getFeeds and getQueries list the jobs of their kind, newest
// first, pageSize at a time, with tokens of their own; while the server has
// made none of that kind they give Options.Pages pages of the model's reply.
type Jobs struct {
	// PollsToDone is the number of gets after which a job ends; 0 means 3
	// (IN_QUEUE, IN_PROGRESS, then its end).
	PollsToDone int
	// After, when > 0, ends a job this long after its creation instead,
	// whatever the number of gets.
	After time.Duration

	// Document shapes the documents the jobs produce (reports, feeds'
	// processing reports, Data Kiosk results) when a script gives none of
	// its own: Gzip, NullCompression and Charset apply; Content is unused.
	Document Document

	// Reports holds the content of the reports of a type (such as
	// "GET_FLAT_FILE_OPEN_LISTINGS_DATA"); a type not in it gets a
	// generated document (a TSV of three listings for the flat-file
	// listings reports, a line naming the report otherwise).
	Reports map[string]Document
}

// Document is a document the fake serves from its document host.
type Document struct {
	// Content is the document's text, in UTF-8; it is served encoded in
	// Charset.
	Content []byte
	// ContentType is the media type served, without charset; "" means
	// "text/plain" (and "application/json" for JSON content).
	ContentType string
	// Charset, such as "windows-1252" or "Shift_JIS", is the charset the
	// content is served in and that the Content-Type names; "" means UTF-8,
	// unnamed.
	Charset string
	// Gzip stores the document gzipped, compressionAlgorithm GZIP.
	Gzip bool
	// NullCompression, with Gzip, omits compressionAlgorithm, as Amazon
	// does at times for a gzipped document.
	NullCompression bool
}

// Outcome is how one scripted report, feed or query ends.
type Outcome struct {
	// Status is the end state: "DONE" (the default), "FATAL" or
	// "CANCELLED".
	Status string
	// Document is its document (a report; a feed's processing report; a
	// query's data, or its errors when FATAL); nil means one the fake
	// makes (for FATAL and CANCELLED reports and feeds, an error report).
	Document *Document
	// NoDocument ends the job without a document.
	NoDocument bool
}

// Processing states, as the Reports, Feeds and Data Kiosk APIs name them.
const (
	StatusInQueue    = "IN_QUEUE"
	StatusInProgress = "IN_PROGRESS"
	StatusDone       = "DONE"
	StatusFatal      = "FATAL"
	StatusCancelled  = "CANCELLED"
)

// jobState is every job and document of a Server, under its own lock.
type jobState struct {
	mu      sync.Mutex
	opts    Jobs
	seq     int
	jobs    map[string]*job // by id, every kind
	order   []*job          // in creation order, for the list operations
	scripts map[string][]Outcome
	host    *docHost
	once    sync.Once
}

// job is one report, feed or query.
type job struct {
	kind      string // "report", "feed", "query"
	id        string
	typ       string // report type, feed type, or the query
	markets   []string
	created   time.Time
	started   time.Time
	ended     time.Time
	polls     int
	cancelled bool
	outcome   Outcome
	input     string // a feed's input document id
	docID     string // the result document, once ended
	options   map[string]string
}

// SetJobs sets how the jobs move and what their documents look like, for
// the jobs created afterwards and the gets to come.
func (s *Server) SetJobs(j Jobs) {
	for typ, d := range j.Reports {
		if _, _, _, err := encode(d, Document{}); err != nil {
			panic("sptest: SetJobs: Reports[" + typ + "]: " + err.Error())
		}
	}
	if _, _, _, err := encode(Document{}, j.Document); err != nil {
		panic("sptest: SetJobs: Document: " + err.Error())
	}
	st := s.jobState()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.opts = j
}

// ScriptReport queues how the next reports of reportType end, in order;
// reports beyond the script end DONE with their usual document.
func (s *Server) ScriptReport(reportType string, o ...Outcome) { s.script("report", reportType, o) }

// ScriptFeed queues how the next feeds of feedType end, in order; feeds
// beyond the script end DONE with a processing report of what they
// uploaded.
func (s *Server) ScriptFeed(feedType string, o ...Outcome) { s.script("feed", feedType, o) }

// ScriptQuery queues how the next Data Kiosk queries end, in order.
func (s *Server) ScriptQuery(o ...Outcome) { s.script("query", "", o) }

func (s *Server) script(kind, typ string, o []Outcome) {
	for _, x := range o {
		switch x.Status {
		case "", StatusDone, StatusFatal, StatusCancelled:
		default:
			method := map[string]string{"report": "ScriptReport", "feed": "ScriptFeed", "query": "ScriptQuery"}[kind]
			panic(fmt.Sprintf("sptest: %s: status %q: want DONE, FATAL or CANCELLED", method, x.Status))
		}
	}
	st := s.jobState()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.scripts[kind+"\x00"+typ] = append(st.scripts[kind+"\x00"+typ], o...)
}

// jobState returns the server's job state, starting its document host on
// first use.
func (s *Server) jobState() *jobState {
	st := &s.jobs
	st.once.Do(func() {
		st.jobs = map[string]*job{}
		st.scripts = map[string][]Outcome{}
		st.host = newDocHost(s.ctx)
	})
	return st
}

// closeJobs stops the document host (started now if it never was, so that
// the methods that reach it keep working after Close, on a closed host).
func (s *Server) closeJobs() {
	s.jobState().host.close()
}

// newJobLocked creates a job, taking the next scripted outcome of its type.
func (st *jobState) newJobLocked(kind, typ string) *job {
	st.seq++
	j := &job{kind: kind, id: fmt.Sprintf("%d", 50000+st.seq), typ: typ, created: time.Now().UTC()}
	key := kind + "\x00" + typ
	if q := st.scripts[key]; len(q) > 0 {
		j.outcome, st.scripts[key] = q[0], q[1:]
	}
	if j.outcome.Status == "" {
		j.outcome.Status = StatusDone
	}
	st.jobs[j.id] = j
	st.order = append(st.order, j)
	return j
}

// statusLocked is j's state now, ending it when due; poll counts a get.
// With PollsToDone n, the k-th get sees IN_QUEUE (k = 1), IN_PROGRESS
// (1 < k < n), then the end (k >= n); the list operations count no get.
func (st *jobState) statusLocked(j *job, poll bool) string {
	if poll && j.ended.IsZero() && !j.cancelled {
		j.polls++
	}
	switch {
	case j.cancelled:
		return StatusCancelled
	case !j.ended.IsZero():
		return j.outcome.Status
	}
	polls := st.opts.PollsToDone
	if polls <= 0 {
		polls = 3
	}
	age := time.Since(j.created)
	due, running := j.polls >= polls, j.polls >= 2
	if st.opts.After > 0 {
		due, running = age >= st.opts.After, age >= st.opts.After/2
	}
	if due || running {
		if j.started.IsZero() {
			j.started = time.Now().UTC()
		}
	}
	if due {
		st.finishLocked(j)
		return j.outcome.Status
	}
	if running {
		return StatusInProgress
	}
	return StatusInQueue
}

// finishLocked ends j with its outcome and makes its result document.
func (st *jobState) finishLocked(j *job) {
	j.ended = time.Now().UTC()
	if j.outcome.NoDocument {
		return
	}
	var d Document
	switch j.kind {
	case "report":
		d = st.reportDocumentLocked(j)
	case "feed":
		d = st.processingReportLocked(j)
	case "query":
		d = st.queryDocumentLocked(j)
	}
	j.docID = st.host.put(j.kind, d, st.opts.Document)
}

// DocumentHostURL is the base URL of the server's document host, where
// report, feed and Data Kiosk documents live (a stand-in for S3; another
// host than URL, so a test can check that no SP-API token goes there).
func (s *Server) DocumentHostURL() string { return s.jobState().host.srv.URL }
